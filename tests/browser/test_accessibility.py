"""Accessibility and German formats in the browser: an axe-core scan of every page in the normal
and the high-contrast theme and in presentation mode (no serious or critical violation), a
visible focus ring on every control reached by Tab, a text description for every chart, and no
English month name or number format in any chart's tick labels or hover labels.

axe-core is vendored in tests/browser/vendor/axe.min.js (only ever injected by this test, never
served by the app). The app's Content-Security-Policy forbids inline scripts, which is what
page.add_script_tag injects, so the scans run in a context of their own with bypass_csp.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard import pages as page_registry

from .helpers import open_page

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = [p.PATH for p in page_registry.PAGES if page_registry.in_nav(p)]
MODES = {
    "normal": "",
    "kontrast": "kontrast=hoch",
    "praesentation": "praesentation=1",
    "praesentation-kontrast": "praesentation=1&kontrast=hoch",
}


@pytest.fixture
def axe_page(browser, base_url):
    context = browser.new_context(base_url=base_url, bypass_csp=True, locale="de-DE",
                                  viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                                               (n.failureSummary || '').slice(0, 200))}));
    }""")
    return result


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(axe_page, path, mode):
    page = axe_page
    assert AXE.stat().st_size > 100_000  # the real axe-core, not a stub
    query = MODES[mode]
    open_page(page, path + (f"?{query}" if query else ""))
    classes = page.evaluate("document.documentElement.className")
    assert ("kim-contrast-high" in classes) == ("kontrast" in mode)
    assert ("kim-presentation" in classes) == ("praesentation" in mode)
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def test_axe_would_report_a_violation(axe_page):
    """The scan can fail: a low-contrast text planted in the page is reported."""
    page = axe_page
    open_page(page, "/")
    page.evaluate("""() => {
        const p = document.createElement('p');
        p.textContent = 'kaum lesbar';
        p.style.color = '#DDDDDD';
        document.querySelector('#kim-page').appendChild(p);
    }""")
    ids = {v["id"] for v in axe_violations(page) if v["impact"] in ("serious", "critical")}
    assert "color-contrast" in ids


FOCUS_STATE = """() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 30),
            outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
            visible: el.getBoundingClientRect().width > 0};
}"""


@pytest.mark.parametrize("mode", ["normal", "kontrast"])
def test_every_control_gets_a_visible_focus_ring(watched, mode):
    page = watched
    open_page(page, "/fallzahlen" + ("?kontrast=hoch" if mode == "kontrast" else ""))
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(16):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_STATE))
    reached = {s["id"] for s in seen}
    # the header switches, the navigation and the filter controls are all in the tab order
    for control in ("kim-presentation-toggle", "kim-contrast-toggle", "nav-start",
                    "nav-fallzahlen", "filter-preset", "filter-from", "filter-to",
                    "filter-district"):
        assert control in reached, (control, seen)
    for state in seen:
        if state["tag"] == "BODY":
            continue
        assert state["visible"], state
        assert state["outline"] != "none" and state["width"] >= 2, state


@pytest.mark.parametrize("path", PAGES)
def test_every_chart_has_a_text_description(watched, path):
    page = watched
    open_page(page, path)
    described = page.evaluate("""() => [...document.querySelectorAll('#kim-page .js-plotly-plot')]
        .map(gd => {
            const figure = gd.closest('[role=figure]');
            if (!figure) return {graph: gd.id, missing: 'figure'};
            const desc = document.getElementById(figure.getAttribute('aria-describedby'));
            return {graph: gd.id, label: figure.getAttribute('aria-label'),
                    description: desc ? desc.textContent : null};
        })""")
    if path == "/daten":
        assert described == []
        return
    assert described, "the page has charts"
    for item in described:
        assert item.get("label", "").startswith("Diagramm: "), item
        assert item.get("description") and re.search(r"\d", item["description"]), item


# English month abbreviations that differ from German ones (Jan, Apr, Aug, Sep, Nov are the same
# in both) and the full names that differ.
ENGLISH_MONTHS = re.compile(
    r"\b(Mar|May|Jun|Jul|Oct|Dec|March|June|July|October|December|January|February)\b")
# English thousands separator and decimal point: 1,234 or 1,234.5 or 12.5
ENGLISH_NUMBER = re.compile(r"\d,\d{3}(?!\d)|\d\.\d{1,2}(?!\d)")

TICKS_AND_HOVERS = """async () => {
    const out = [];
    for (const gd of document.querySelectorAll('#kim-page .js-plotly-plot')) {
        gd.querySelectorAll('.xtick text, .ytick text, .x2tick text, .x3tick text, .y2tick text, ' +
                            '.y3tick text').forEach(t => out.push({kind: 'tick', graph: gd.id,
                                                                   text: t.textContent}));
        for (let i = 0; i < (gd.data || []).length; i++) {
            const trace = gd.data[i];
            if (!['bar', 'scatter', 'heatmap'].includes(trace.type)) continue;
            try {
                Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: trace.type === 'heatmap'
                                      ? [0, 0] : 0}]);
            } catch (e) { continue; }
            gd.querySelectorAll('.hoverlayer text').forEach(t => out.push(
                {kind: 'hover', graph: gd.id, text: t.textContent}));
            Plotly.Fx.unhover(gd);
        }
        out.push({kind: 'separators', graph: gd.id, text: gd._fullLayout.separators});
    }
    return out;
}"""


@pytest.mark.parametrize("path", PAGES)
def test_chart_ticks_and_hovers_are_german(watched, path):
    page = watched
    # a period over a year change, so month ticks of two years are drawn
    open_page(page, path + "?von=2024-10-01&bis=2025-11-15")
    texts = page.evaluate(TICKS_AND_HOVERS)
    if path == "/daten":
        assert texts == []
        return
    ticks = [t for t in texts if t["kind"] == "tick"]
    hovers = [t for t in texts if t["kind"] == "hover"]
    assert ticks and hovers, texts
    assert {t["text"] for t in texts if t["kind"] == "separators"} == {",."}
    english = [t for t in ticks + hovers
               if ENGLISH_MONTHS.search(t["text"]) or ENGLISH_NUMBER.search(t["text"])]
    assert english == [], english
    if path in ("/", "/fallzahlen"):
        months = " ".join(t["text"] for t in ticks)
        assert re.search(r"(?<!\w)(Okt\.|Dez\.|März|Mai)(?!\w)", months), months


def test_the_german_locale_is_served_and_registered(watched):
    page = watched
    open_page(page, "/")
    response = page.request.get("/assets/vendor/plotly-locale-de.js")
    assert response.ok and "Okt" in response.text()
    # plotly formats dates with the German locale: month names and the date format
    text = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        return [gd._context.locale,
                Plotly.d3 ? '' : '',
                gd._fullLayout._d3locale.timeFormat('%B %b')(new Date(2025, 9, 1)),
                gd._fullLayout._d3locale.numberFormat(',.1f')(1234.5)];
    }""")
    assert text[0] == "de"
    assert text[2] == "Oktober Okt"
    assert text[3] == "1.234,5"
    expect(page.locator("html")).to_have_attribute("lang", "de")
