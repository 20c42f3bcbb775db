"""The cards' change colours and words in the browser, on tests/change_fixture.py's database where
every headline figure rises (2023 -> 2024) and falls (2024 -> 2025); "seit Programmstart" without
a comparison; the preset and Bezirk labels never cut (1280×720 and 1920×1080, normal and
presentation mode). Its own server over its own SQLite database (not the demo's)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard import theme
from dashboard.app_factory import create_app
from queries import db
from tests import change_fixture as fx

from .conftest import SCREENSHOTS, serving
from .helpers import wait_ready

pytestmark = pytest.mark.browser

COLOURS = {
    False: {"better": theme.CHANGE_BETTER, "worse": theme.CHANGE_WORSE,
            "neutral": theme.CHANGE_NEUTRAL},
    True: {"better": theme.CONTRAST_CHANGE_BETTER, "worse": theme.CONTRAST_CHANGE_WORSE,
           "neutral": theme.CONTRAST_CHANGE_NEUTRAL},
}
WORDS = {"better": "besser", "worse": "schlechter"}
SHOTS = SCREENSHOTS / "changes"


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('changes') / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    fx.load(engine)
    engine.dispose()
    app = create_app(database_url=url, min_cell=fx.MIN_CELL, cache_config="null",
                     today=fx.TODAY)
    with serving(app) as url:
        yield url


@pytest.fixture
def tab(browser, fixture_url):
    """A page of its own context (not the demo server's base_url), failing on console errors."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base = fixture_url
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()
    assert errors == [], errors


def open_view(page, search: str) -> None:
    page.goto(page.base + "/" + search)
    wait_ready(page)


@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "kontrast"])
@pytest.mark.parametrize("case", ["rise", "fall"])
def test_each_card_colours_and_names_its_change(tab, case, contrast):
    first, last = fx.RISE if case == "rise" else fx.FALL
    open_view(tab, f"?von={first}&bis={last}" + ("&kontrast=hoch" if contrast else ""))
    for card_id, (main, judgement) in fx.EXPECTED[case].items():
        line = tab.locator(f"#{card_id}-change")
        expect(line).to_have_class(f"kim-kpi-change kim-change-{judgement} "
                                   f"kim-change-dir-{'up' if case == 'rise' else 'down'}")
        text = line.inner_text().replace("\n", " ")
        assert text.startswith(main + " gegenüber"), (card_id, text)
        assert "-" not in text, (card_id, text)  # the minus sign is U+2212
        word = line.locator(".kim-change-word")
        if judgement in WORDS:
            expect(word).to_have_text(WORDS[judgement])
        else:
            expect(word).to_have_count(0)
        colour = line.evaluate("el => getComputedStyle(el).color")
        assert colour == rgb(COLOURS[contrast][judgement]), (card_id, colour)
    tab.screenshot(path=str(SHOTS / f"{case}-{'kontrast' if contrast else 'normal'}.png"))


def test_presentation_keeps_arrow_numbers_and_word_on_the_slide(tab):
    first, last = fx.FALL
    open_view(tab, f"?von={first}&bis={last}&praesentation=1")
    line = tab.locator("#kpi-per-fte-change")
    expect(line.locator(".kim-change-word")).to_be_visible()
    # "Rückgang:" and "gegenüber …" are for screen readers only on a projector
    box = line.locator(".kim-kpi-dirword").bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1
    assert line.inner_text().replace("\n", " ").startswith("▼")
    expect(tab.locator("#kim-fold-compare")).to_have_text("Vergleich: Vorjahr")


def test_since_programme_start_shows_no_comparison(tab):
    first, last = fx.FALL
    open_view(tab, f"?von={first}&bis={last}")
    tab.locator("#filter-preset").select_option("programm")
    tab.wait_for_function("() => location.search.includes('von=2020-07-01')")
    wait_ready(tab)
    for card_id in fx.CARD_IDS:
        line = tab.locator(f"#{card_id}-change")
        expect(line).to_have_text("Kein Vorjahresvergleich (Vorjahr vor Programmstart "
                                  "01.07.2020)")
        expect(line).to_have_class("kim-kpi-change kim-change-neutral kim-change-dir-none")
    # presentation mode says it once in the folded line too
    open_view(tab, "?von=2020-07-01&bis=2025-06-30&praesentation=1")
    expect(tab.locator("#kim-fold-compare")).to_have_text(
        "Kein Vorjahresvergleich (Beginn vor 01.07.2021)")
    expect(tab.locator("#kim-fold-preset")).to_have_text("Seit Programmstart:")


# How much of a select's chosen label does not fit (px; 0 when it fits): the label's width in
# the select's font against the room between its paddings (the right padding holds the arrow).
SELECT_OVERFLOW = """el => {
    const style = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const label = el.options[el.selectedIndex].text;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(0, ctx.measureText(label).width - room);
}"""
# Any part of the folded filter line that is clipped or runs out of the window.
FOLD_CUT = """() => [...document.querySelectorAll('#kim-filter-summary > span')]
    .filter(s => s.textContent.trim())
    .filter(s => s.scrollWidth > s.clientWidth + 1
                 || s.getBoundingClientRect().right > document.documentElement.clientWidth)
    .map(s => s.textContent)"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280", "1920"])
def test_preset_and_bezirk_labels_are_never_cut(tab, size):
    width, height = size
    tab.set_viewport_size({"width": width, "height": height})
    # the longest preset and the longest Bezirk name of the fixture
    search = f"?von=2020-07-01&bis={fx.TODAY.isoformat()}&bezirk=LANG"
    open_view(tab, search)
    expect(tab.locator("#filter-preset")).to_have_value("programm")
    for select in ("#filter-preset", "#filter-district"):
        assert tab.locator(select).evaluate(SELECT_OVERFLOW) == 0, select
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    tab.screenshot(path=str(SHOTS / f"labels-{width}.png"))
    open_view(tab, search + "&praesentation=1")
    summary = tab.locator("#kim-filter-summary")
    expect(summary).to_contain_text("Seit Programmstart:")
    expect(summary).to_contain_text(fx.LONG_DISTRICT)
    assert tab.evaluate(FOLD_CUT) == []
    tab.screenshot(path=str(SHOTS / f"labels-presentation-{width}.png"))


def test_budget_cards_say_kreisweit_for_a_bezirk(tab):
    first, last = fx.FALL
    open_view(tab, f"?von={first}&bis={last}&bezirk=NORD")
    for module in ("I", "II", "III"):
        expect(tab.locator(f"#kpi-budget-{module}-scope")).to_have_text(" · kreisweit")
    expect(tab.locator("#kpi-active-scope")).to_have_count(0)
    open_view(tab, f"?von={first}&bis={last}")
    expect(tab.locator("#kpi-budget-I-scope")).to_have_count(0)
