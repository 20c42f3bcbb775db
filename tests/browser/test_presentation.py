"""Presentation mode in the browser: the switch and `?praesentation=1`, arrow keys and PageUp/
PageDown stepping through the navigation's pages like slides, Escape, the Überblick fitting
1280×720, type sizes on a projector, values printed on bars and Sankey links, and every slide in
both themes (title, charts drawn, no overflow; screenshots in screenshots/presentation/)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from dashboard import pages as page_registry

from .conftest import SCREENSHOTS
from .helpers import open_page, wait_ready

pytestmark = pytest.mark.browser

# The slides in the registry's order (pages with a navigation link; the test server's role may
# see all of them: KIM_AUTH=none on 127.0.0.1).
SLIDES = [p.PATH for p in page_registry.PAGES if page_registry.in_nav(p)]
SLIDE_NAMES = {"/": "ueberblick", "/fallzahlen": "fallzahlen", "/budget": "mittelabfluss",
               "/statuswechsel": "statuswechsel", "/wirkung": "wirkung",
               "/daten": "datenstand"}
SHOTS = SCREENSHOTS / "presentation"
# Parts of the budget bullets that are a backdrop, not a value of their own (the allocation
# track and the paler projection; the table and the printed "ausgegeben" value carry them).
UNPRINTED_PARTS = ["Bewilligt", "Hochrechnung bis Jahresende"]


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def path_of(page) -> str:
    return urlparse(page.url).path


def html_classes(page) -> str:
    return page.evaluate("document.documentElement.className")


def wait_for_path(page, path: str) -> None:
    page.wait_for_function("p => window.location.pathname === p", arg=path)
    expect(page.locator(f'#kim-nav a.active[href^="{path}"]')).to_have_count(1)
    wait_ready(page)


def test_switch_on_and_off_and_escape(watched):
    page = watched
    open_page(page, "/fallzahlen?bezirk=NORD")
    button = page.locator("#kim-presentation-toggle")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert "kim-presentation" not in html_classes(page)
    assert page.locator("#filter-preset").is_visible()
    normal_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    button.click()
    page.wait_for_function("() => location.search.includes('praesentation=1')")
    wait_ready(page)
    assert query(page)["praesentation"] == ["1"]
    assert query(page)["bezirk"] == ["NORD"]  # the view stays
    assert "kim-presentation" in html_classes(page)
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Präsentation beenden")
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 20 > normal_size
    # the filters are folded into one line; opening it shows the controls
    summary = page.locator("#kim-filter-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Bezirk Nord")
    expect(summary).to_contain_text("Datenstand: ")
    expect(page.locator("#kim-data-as-of")).to_be_hidden()  # said in the folded line instead
    assert summary.bounding_box()["height"] < 50  # one line (two would be 60 px)
    expect(page.locator("#filter-preset")).to_be_hidden()
    summary.click()
    expect(page.locator("#filter-preset")).to_be_visible()
    summary.click()
    # no mode bar on a projector
    assert page.locator(".modebar-container .modebar").count() == 0

    page.locator("body").press("Escape")
    page.wait_for_function("() => !location.search.includes('praesentation')")
    wait_ready(page)
    assert "kim-presentation" not in html_classes(page)
    assert query(page)["bezirk"] == ["NORD"]
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#filter-preset")).to_be_visible()


def test_keys_step_through_the_pages_and_the_mode_survives(watched):
    page = watched
    open_page(page, "/?praesentation=1&bezirk=SUED")
    # the navigation in the DOM is what the keys follow: the registry's order
    hrefs = page.eval_on_selector_all("#kim-nav a.kim-nav-link",
                                      "links => links.map(a => new URL(a.href).pathname)")
    assert hrefs == SLIDES and len(SLIDES) == 6
    forward = ["ArrowRight", "PageDown", "ArrowRight", "PageDown", "ArrowRight"]
    for key, expected in zip(forward, SLIDES[1:], strict=True):
        page.keyboard.press(key)
        wait_for_path(page, expected)
        assert query(page)["praesentation"] == ["1"], expected
        assert query(page)["bezirk"] == ["SUED"], expected
        assert "kim-presentation" in html_classes(page)
    # the last slide: further steps forward stay
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert path_of(page) == SLIDES[-1]
    backward = ["ArrowLeft", "PageUp", "ArrowLeft", "PageUp", "ArrowLeft"]
    for key, expected in zip(backward, list(reversed(SLIDES))[1:], strict=True):
        page.keyboard.press(key)
        wait_for_path(page, expected)
        assert query(page)["praesentation"] == ["1"]
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(500)
    assert path_of(page) == "/"
    assert query(page)["praesentation"] == ["1"]


def test_keys_do_nothing_outside_the_mode_or_in_a_form_field(watched):
    page = watched
    open_page(page, "/")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert path_of(page) == "/"
    open_page(page, "/?praesentation=1")
    page.locator("#kim-filter-summary").click()
    page.locator("#filter-from").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    assert path_of(page) == "/" and query(page)["praesentation"] == ["1"]


@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "kontrast"])
def test_overview_fits_1280x720(watched, contrast):
    page = watched
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, "/?praesentation=1" + ("&kontrast=hoch" if contrast else ""))
    size = page.evaluate("({h: document.documentElement.scrollHeight,"
                         " w: document.documentElement.scrollWidth})")
    assert size["h"] <= 720, size
    assert size["w"] <= 1280, size
    # the nine headline cards and the four small charts are all there
    assert page.locator(".kim-kpi").count() == 9
    assert page.locator("#kim-page .js-plotly-plot").count() == 4


# Every visible text outside the charts, with its computed size (px).
TEXT_SIZES = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const el = node.parentElement;
        if (!node.textContent.trim() || !el || el.closest('svg')) continue;
        const rect = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (rect.width <= 1 || rect.height <= 1 || style.visibility === 'hidden') continue;
        if (el.closest('.visually-hidden, .kim-kpi-against, .kim-graph-description')) continue;
        out.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize),
                  cls: el.className && el.className.baseVal === undefined ? el.className : ''});
    }
    return out;
}"""

# Every text a chart draws, with its effective size (font size times the scale plotly applies
# to text squeezed into a bar).
CHART_TEXT_SIZES = """() => {
    const out = [];
    document.querySelectorAll('#kim-page .js-plotly-plot text').forEach(t => {
        if (!t.textContent.trim()) return;
        const box = t.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) return;
        let size = parseFloat(getComputedStyle(t).fontSize);
        const ctm = t.getCTM();
        if (ctm) size *= Math.sqrt(Math.abs(ctm.a * ctm.d - ctm.b * ctm.c));
        out.push({text: t.textContent.trim().slice(0, 30), size: size});
    });
    return out;
}"""


@pytest.mark.parametrize("path", SLIDES)
def test_type_sizes_and_printed_values_on_every_slide(watched, path):
    page = watched
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, path + "?praesentation=1")
    small = [t for t in page.evaluate(TEXT_SIZES) if t["size"] < 19.5]
    assert small == [], small
    chart_texts = page.evaluate(CHART_TEXT_SIZES)
    if path != "/daten":
        assert chart_texts, "the page draws charts"
    tiny = [t for t in chart_texts if t["size"] < 15.5]
    assert tiny == [], tiny
    # every bar carries its value (nobody hovers on a projector)
    unlabelled = page.evaluate("""skip => {
        const out = [];
        document.querySelectorAll('#kim-page .js-plotly-plot').forEach(gd => {
            (gd.data || []).forEach((trace, i) => {
                if (trace.type !== 'bar' || skip.includes(trace.name)) return;
                const values = trace.orientation === 'h' ? trace.x : trace.y;
                const text = trace.text || [];
                for (let k = 0; k < (values || []).length; k++) {
                    const v = values[k];
                    if (v === null || v === undefined || Number.isNaN(v)) continue;  // no bar
                    if (!text[k]) out.push(gd.parentElement.id + ' ' + trace.name + ' ' + k);
                }
            });
        });
        return out;
    }""", UNPRINTED_PARTS)
    assert unlabelled == [], unlabelled


def test_sankey_links_carry_their_values(watched):
    page = watched
    open_page(page, "/statuswechsel?praesentation=1")
    page.wait_for_selector("#transitions-sankey .kim-link-label")
    expected = page.evaluate("""() => {
        const gd = document.querySelector('#transitions-sankey .js-plotly-plot');
        return gd.data[0].link.customdata.filter(c => c).sort();
    }""")
    shown = sorted(page.locator("#transitions-sankey .kim-link-label").all_text_contents())
    assert shown == expected and len(shown) >= 5
    # outside presentation mode the links are not labelled (the hover tells)
    open_page(page, "/statuswechsel")
    page.wait_for_timeout(300)
    assert page.locator(".kim-link-label").count() == 0


def test_bad_mode_values_fall_back_with_a_note(watched):
    page = watched
    open_page(page, "/?praesentation=vielleicht&kontrast=bunt")
    note = page.locator("#kim-url-note")
    expect(note).to_contain_text("„vielleicht“ ist kein gültiger Wert für „praesentation“")
    expect(note).to_contain_text("„bunt“ ist kein gültiger Wert für „kontrast“")
    classes = html_classes(page)
    assert "kim-presentation" not in classes and "kim-contrast-high" not in classes


@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "kontrast"])
def test_every_slide_in_both_themes_with_screenshots(watched, contrast):
    """Each slide shows its page in the chosen theme, with its title, every chart drawn, nothing
    failed and nothing wider than the projector; the screenshots are kept for people to look at
    (screenshots/presentation/)."""
    page = watched
    page.set_viewport_size({"width": 1280, "height": 720})
    SHOTS.mkdir(parents=True, exist_ok=True)
    theme = "kontrast" if contrast else "normal"
    titles = {p.PATH: p.TITLE for p in page_registry.PAGES}
    for path in SLIDES:
        open_page(page, path + "?praesentation=1" + ("&kontrast=hoch" if contrast else ""))
        page.wait_for_timeout(300)
        classes = html_classes(page)
        assert "kim-presentation" in classes, (path, classes)
        assert ("kim-contrast-high" in classes) == contrast, (path, classes)
        heading = page.locator("#kim-page h1.kim-page-title")
        expect(heading).to_have_text(re.compile("^" + re.escape(titles[path])))
        assert page.locator("#kim-page .kim-error").count() == 0, path
        graphs = page.locator("#kim-page .dash-graph").count()
        assert page.locator("#kim-page .js-plotly-plot").count() == graphs, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (path, width)
        name = SLIDE_NAMES[path]
        page.screenshot(path=str(SHOTS / f"{name}-{theme}-1280-720.png"))
        page.screenshot(path=str(SHOTS / f"{name}-{theme}-1280-720-ganz.png"), full_page=True)
