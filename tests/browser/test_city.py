"""The demo city (`kim demo --stadt`) in the browser: every page, every download and the print
report speak of the Stadt, its Stadtbezirke and Stadtteile, never of a Kreis; and the screenshots
of the city and of a Kreis with 12 Bezirke of 60-character names (SCREENSHOTS, looked at).
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from dashboard.app_factory import create_app
from queries import db, demo

from .conftest import MIN_CELL, SCREENSHOTS, TODAY, UNTIL
from .helpers import open_page, wait_ready

# Words that belong to a Kreis, not to a city (case-sensitive; "Rechtskreis…" is fine). A word
# starting with "Bezirk" or "Gemeinde" is one the city calls Stadtbezirk or Stadtteil.
KREIS_WORDS = re.compile(r"\bKreis|kreisweit|\bBezirk|\bGemeinde")
SIZES = ((1280, 720), (1920, 1080))


def _serve(url: str):
    app = create_app(database_url=url, min_cell=MIN_CELL, cache_config="simple", today=TODAY)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('city') / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=2000, seed=2020, until=UNTIL, city=True)
    engine.dispose()
    server, thread = _serve(url)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


# 12 Bezirke with names of up to 60 characters, two Gemeinden each (8-digit AGS): a Kreis at the
# limit of what the layout must hold.
LONG_NAMES = [
    "Verbandsgemeinde Obere Lippe, Hellweg und Haarstrang-Süd (1)",
    "Nord", "Mitte", "Bezirk mit einem recht langen Namen am Kanal",
    "Westliches Münsterland zwischen Berkel, Stever und Vechte", "Ost",
    "Süd – Baumberge", "Ländlicher Raum Rosendahl-Billerbeck-Havixbeck-Nottuln",
    "Innenstadt", "Lüdinghausen, Olfen, Nordkirchen und Ascheberg (Bezirk 10)",
    "Senden", "Dülmen-Buldern-Hiddingsel-Merfeld-Rorup-Kirchspiel (zwölf)",
]


@pytest.fixture(scope="module")
def wide_kreis(tmp_path_factory):
    assert max(len(n) for n in LONG_NAMES) == 60
    districts = tuple((f"B{i + 1:02d}", n) for i, n in enumerate(LONG_NAMES))
    municipalities = tuple(
        (f"05558{100 + 2 * i + j:03d}", f"Gemeinde {i + 1}-{j + 1}", d, 8_000 + 1_000 * j)
        for i, (d, _) in enumerate(districts) for j in range(2))
    ids = [d for d, _ in districts]
    positions, n = [], 0
    for p in demo.POSITIONS:
        if p.role == "CASE_MANAGEMENT":
            p = replace(p, district_id=ids[n % len(ids)])
            n += 1
        positions.append(p)
    url = f"sqlite:///{tmp_path_factory.mktemp('wide') / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "DISTRICTS", districts)
        mp.setattr(demo, "MUNICIPALITIES", municipalities)
        mp.setattr(demo, "_DISTRICT_LETTER", {d: d for d in ids})
        mp.setattr(demo, "POSITIONS", tuple(positions))
        demo.generate(engine, persons=2000, seed=2020, until=UNTIL)
    engine.dispose()
    server, thread = _serve(url)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _tick_texts(page, section: str) -> str:
    """The label axis's tick texts of a section's chart, wrapped lines joined by spaces (and
    without one after a hyphen where a long word was wrapped)."""
    return " | ".join(page.locator(f"#{section} .ytick text").evaluate_all(
        "els => els.map(e => { const t = [...e.querySelectorAll('tspan.line')];"
        " return t.length ? t.map(x => x.textContent).join(' ') : e.textContent; })")
    ).replace("- ", "-")


def _kreis_words(text: str) -> list[str]:
    found = []
    for m in KREIS_WORDS.finditer(text):
        found.append(text[max(0, m.start() - 40): m.end() + 40].replace("\n", " "))
    return found


CITY_PAGES = ("/", "/fallzahlen", "/fallzahlen?bezirk=SUED",
              "/fallzahlen?bezirk=SUED&gemeinde=05999000-703", "/budget", "/budget?bezirk=SUED",
              "/statuswechsel", "/statuswechsel?bezirk=SUED", "/wirkung", "/wirkung?bezirk=SUED",
              "/daten", "/bericht",
              "/bericht?bezirk=SUED")


def test_no_kreis_words_on_any_page_or_download_of_the_city(page, city):
    downloads: set[str] = set()
    for path in CITY_PAGES:
        page.goto(city + path)
        wait_ready(page)
        text = page.inner_text("body")
        assert "Stadt Lindenberg an der Ruhr" in text, path
        assert _kreis_words(text) == [], path
        assert _kreis_words(page.title()) == [], path
        for link in page.locator("a[href^='/download/']").all():
            downloads.add(link.get_attribute("href"))
    assert page.locator("#report-title").count() == 1  # the last page was /bericht
    assert "Bericht für den Rat der Stadt" in page.inner_text("#report-title")
    assert any(".xlsx" in h for h in downloads) and any(".csv" in h for h in downloads)
    for href in sorted(downloads):
        response = page.request.get(city + href)
        assert response.status == 200, href
        if ".xlsx" in href or ".zip" in href:
            if ".xlsx" not in href:
                continue
            book = load_workbook(io.BytesIO(response.body()), read_only=True)
            cells = " | ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(
                values_only=True) for v in row if v is not None)
            assert "Stadt | Stadt Lindenberg an der Ruhr" in cells, href
            assert "alle Stadtbezirke (Stadt gesamt)" in cells or "Stadtbezirk |" in cells
            assert _kreis_words(cells) == [], href
        else:
            assert _kreis_words(response.text()) == [], href


def test_city_stadtbezirk_charts_lie_flat_with_whole_names(page, city):
    open_page(page, city + "/fallzahlen")
    # The Stadtbezirk charts are horizontal: the long names stand on the left, wrapped, whole.
    joined = _tick_texts(page, "caseload-districts")
    for _, name in demo.CITY_DISTRICTS:
        assert name in joined, name  # every name whole
    assert "…" not in joined
    box = page.locator("#caseload-districts .nsewdrag").first.bounding_box()
    assert box["width"] > 150 and box["height"] > 250  # the plot keeps its room


# The select's own width must hold the chosen name: its text measured in the select's font,
# plus its padding (the arrow sits in the right padding).
NAME_FITS = """() => {
    const el = document.getElementById('filter-district');
    const style = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = el.options[el.selectedIndex].text;
    const needed = ctx.measureText(text).width + parseFloat(style.paddingLeft)
                   + parseFloat(style.paddingRight);
    return {text, needed, width: el.clientWidth,
            title: el.closest('[title]') ? el.closest('[title]').title : null};
}"""


@pytest.mark.parametrize("width", [1280, 900])
def test_the_stadtbezirk_select_shows_a_long_name_whole(page, city, width):
    """"Süd (Kirchhörde, Wellinghofen, Hombruch-Löttringhausen)", 57 characters: at 1280 px
    the select is as wide as the name, on a tablet it takes a row of its own; its box names it
    in a tooltip (title) wherever a screen is narrower still."""
    page.set_viewport_size({"width": width, "height": 720})
    open_page(page, city + "/fallzahlen?bezirk=SUED")
    fit = page.evaluate(NAME_FITS)
    name = dict(demo.CITY_DISTRICTS)["SUED"]
    assert fit["text"] == fit["title"] == name
    assert fit["needed"] <= fit["width"], fit
    page.locator(".kim-filterbar").screenshot(
        path=str(SCREENSHOTS / f"city-stadtbezirk-select-{width}-720.png"))


def _shoot(page, prefix: str, name: str, width: int, height: int) -> None:
    """The page (whole, or the screen in presentation mode), its top at full resolution, and
    the print report's Fallzahlen theme."""
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}-{name}-{width}-{height}.png"),
                    full_page=name != "praesentation")
    _top(page, f"{prefix}-{name}-top-{width}-{height}.png", height)
    if name == "bericht":
        page.locator("#report-caseload").screenshot(
            path=str(SCREENSHOTS / f"{prefix}-bericht-fallzahlen-{width}-{height}.png"))


def _top(page, name: str, height: int) -> None:
    """The first 1.6 screens of a long page at full resolution (to look at the charts)."""
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": int(height * 1.6)})


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_city_screenshots(page, city, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for name, path in (("fallzahlen", "/fallzahlen"),
                       ("stadtbezirk", "/fallzahlen?bezirk=SUED"),
                       ("bericht", "/bericht"),
                       ("praesentation", "/fallzahlen?praesentation=1")):
        open_page(page, city + path)
        _shoot(page, "city", name, width, height)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_wide_kreis_screenshots(page, wide_kreis, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for name, path in (("fallzahlen", "/fallzahlen"), ("bericht", "/bericht"),
                       ("praesentation", "/fallzahlen?praesentation=1")):
        open_page(page, wide_kreis + path)
        text = page.inner_text("body")
        assert "Stadtbezirk" not in text  # a Kreis keeps its words
        _shoot(page, "kreis12", name, width, height)
    open_page(page, wide_kreis + "/fallzahlen")
    ticks = _tick_texts(page, "caseload-districts")
    for name in LONG_NAMES:
        assert name in ticks, name  # wrapped over lines, never cut
