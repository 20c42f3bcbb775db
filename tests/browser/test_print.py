"""Printing: the report /bericht as the browser's "Als PDF speichern" gives it (print media, A4
landscape from the page's own @page rule), its pages counted and read back with poppler
(pdfinfo, pdftotext, pdftoppm into screenshots/print/); the "Bericht drucken" link and the
"Drucken" button; and an ordinary page (Ctrl+P on /fallzahlen) printed without the frame."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect

from dashboard import format as fmt
from dashboard.pages.report_print import REPORT_HEADING
from queries.filters import Filter

from .conftest import IN_CI, MIN_CELL, SCREENSHOTS, TODAY
from .helpers import open_page
from .test_dashboard import expected_cards

pytestmark = pytest.mark.browser

PRINT_DIR = SCREENSHOTS / "print"
# Title page with the headline figures; Fallzahlen 2 pages (charts per Bezirk; month by month with
# the Bezirk table), Mittelabfluss 3 (plan per module with the module table; Land funds with
# their table; cumulative spend), Statuswechsel 4 (Sankey; month by month; the flow table;
# Rechtskreiswechsel), Wirkung 4 (needs; referrals per institution and Bezirk; the referral
# table; closures by reason and the trend). Worked out from the demo data and the sizes in
# pages/report_print.py.
EXPECTED_PAGES = 14
# The printable width of A4 landscape with 12 mm margins in CSS px (273 mm).
PAPER_PX = 1031
# The widest box whose width a script fixed in px (charts, grid columns): anything wider than the
# paper makes the browser shrink the whole printout. (The report's charts are drawn larger and
# scaled down by CSS zoom; their size is checked by itself.)
WIDEST_BOX_JS = (
    "Math.max(0, ...[...document.querySelectorAll("
    "'#kim-main [style*=width], #kim-main svg[width]')]"
    ".filter(e => !e.closest('.kim-report-graph'))"
    ".map(e => parseFloat(e.style.width) || parseFloat(e.getAttribute('width')) || 0))"
)
THEMES = ("Fallzahlen", "Mittelabfluss", "Statuswechsel")
# Words that only the frame, the navigation, the filter bar or the controls show.
NOT_IN_PRINT = ("Überblick", "Bericht drucken", "Druckansicht", "Zum Inhalt springen",
                "Alle Bezirke", "bis (Stichtag)", "Dieses Jahr", "Tabelle herunterladen",
                "Kommunales Integrationsmanagement NRW –")


@pytest.fixture(scope="module")
def poppler():
    missing = [tool for tool in ("pdfinfo", "pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not found: apt-get install poppler-utils"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: these tests must run, not skip)")
        pytest.skip(message)


def print_to_pdf(page, name: str):
    """The page as "Drucken → Als PDF speichern" gives it: print media, the page's @page size."""
    page.emulate_media(media="print")
    # Switching the media lets the charts and tables follow their print boxes (print.js and the
    # grids' own resizing) a moment later; a real print dialog waits for beforeprint instead.
    page.wait_for_function(f"() => {WIDEST_BOX_JS} <= {PAPER_PX}")
    PRINT_DIR.mkdir(parents=True, exist_ok=True)
    path = PRINT_DIR / f"{name}.pdf"
    page.pdf(path=str(path), format="A4", landscape=True, prefer_css_page_size=True,
             print_background=True)
    return path


def page_count(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def page_size_mm(pdf) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    w, h = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout, re.M).groups()
    return float(w) / 72 * 25.4, float(h) / 72 * 25.4


def page_texts(pdf, pages: int) -> list[str]:
    """The text of each page, no-break spaces as spaces."""
    return [
        subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                       capture_output=True, text=True, check=True).stdout.replace("\u00a0", " ")
        for i in range(1, pages + 1)
    ]


def glyph_height(pdf, page: int, word: str) -> float:
    """The height (pt) of the first occurrence of `word` on a page of the PDF."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    found = re.search(rf'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{re.escape(word)}</word>',
                      out)
    return float(found.group(2)) - float(found.group(1))


def first_line(text: str) -> str:
    return next(line.strip() for line in text.splitlines() if line.strip())


def test_report_prints_as_a4_landscape_pages(watched, report_for, poppler):
    page = watched
    open_page(page, "/bericht?von=2025-01-01&bis=2025-11-15")
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / f"bericht-{width}-{height}.png"), full_page=True)
    pdf = print_to_pdf(page, "bericht")

    width_mm, height_mm = page_size_mm(pdf)
    assert abs(width_mm - 297) < 1 and abs(height_mm - 210) < 1  # A4 landscape
    pages = page_count(pdf)
    assert pages == EXPECTED_PAGES
    texts = page_texts(pdf, pages)

    # every page numbered in its margin
    for number, text in enumerate(texts, start=1):
        assert f"Seite {number} von {pages}" in text, number
    # the title page: title, Kreis, period, Datenstand, scope, K and the headline figures
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))
    title = re.sub(r"\s+", " ", texts[0])
    assert REPORT_HEADING in title and "Kreis Coesfeld" in title
    assert "Zeitraum 01.01.–15.11.2025" in title
    assert f"Datenstand {fmt.day(date.fromisoformat(report['data_as_of']))}" in title
    assert "Gebiet Kreis gesamt" in title
    assert (f"„•“: Zahlen unter {MIN_CELL} und Zahlen, aus denen sie sich berechnen ließen"
            in title)
    cards = expected_cards(report)
    for card_id, value in cards.items():
        assert value.replace("\u00a0", " ") in title, card_id
    # the numbers are the report's, not trivially empty
    assert report["caseload"]["total"]["active"] > 100
    assert f"{fmt.count(report['caseload']['total']['active'], MIN_CELL)} aktive Fälle" in texts[1]
    # not shrunk to fit the paper: a theme's title (16 pt in print.css) against the page number
    # (9 pt, drawn in the page margin outside any scaling)
    ratio = glyph_height(pdf, 2, "Fallzahlen") / glyph_height(pdf, 2, "Seite")
    assert ratio > 1.6, ratio
    # each theme starts a page of its own, in order
    starts = [first_line(t) for t in texts]
    assert [starts.index(theme) for theme in THEMES] == [1, 3, 6]
    # nothing of the frame or the controls on paper
    whole = "\n".join(texts)
    for word in NOT_IN_PRINT:
        assert word not in whole, word
    assert not re.search(r"^\s*Drucken\s*$", whole, re.M)

    # the pages as pictures, to look at
    for old in PRINT_DIR.glob("bericht-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(PRINT_DIR / "bericht")],
                   check=True)
    assert len(list(PRINT_DIR.glob("bericht-*.png"))) == pages


def test_report_graphs_have_a_fixed_size_that_fits_the_page(watched):
    page = watched
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        open_page(page, "/bericht")
        page.emulate_media(media="print")
        sizes = page.eval_on_selector_all(
            ".kim-report-graph", "els => els.map(e => e.getBoundingClientRect().width)")
        page.emulate_media(media="screen")
        assert len(sizes) >= 8
        # drawn at 1225 / 600 px and scaled by 0.8 (the Sankey and the plan chart by 0.7)
        assert all(470 <= w <= 982 for w in sizes), sizes
        assert max(sizes) == pytest.approx(980, abs=2)


def test_report_link_keeps_the_filters_and_the_button_prints(watched, report_for):
    page = watched
    open_page(page, "/fallzahlen?von=2024-01-01&bis=2024-12-31&bezirk=NORD")
    link = page.locator("#kim-report-link")
    expect(link).to_have_attribute("href", "/bericht?von=2024-01-01&bis=2024-12-31&bezirk=NORD")
    # the report is not a page of the navigation (nor a slide)
    assert page.locator("#kim-nav a[href^='/bericht']").count() == 0
    link.click()
    expect(page).to_have_url(re.compile(r"/bericht\?von=2024-01-01&bis=2024-12-31&bezirk=NORD$"))
    expect(page.locator("#report-gebiet")).to_have_text("Bezirk Nord")
    nord = report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), "NORD", min_cell=MIN_CELL))
    expect(page.locator("#kpi-active-value")).to_have_text(expected_cards(nord)["kpi-active"])
    expect(page.locator("#report-zeitraum")).to_have_text("2024")

    # "Drucken" opens the print dialog (counted instead of opened: headless has none)
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.get_by_role("button", name="Drucken").click()
    assert page.evaluate("() => window.__printed") == 1
    # in print the controls and the frame are gone
    page.emulate_media(media="print")
    for selector in ("#report-print-button", "#kim-nav", "#kim-report-link", ".kim-filterbar",
                     ".kim-footer", ".kim-header"):
        expect(page.locator(selector).first).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.locator("#report-print-button")).to_be_visible()


def test_an_ordinary_page_prints_without_the_frame(watched, poppler):
    """Ctrl+P on /fallzahlen from a wide window: no navigation or controls, charts narrowed to
    the paper's width (assets/print.js) instead of being cut off."""
    page = watched
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_page(page, "/fallzahlen?von=2025-01-01&bis=2025-11-15")
    wide = page.eval_on_selector_all(
        ".js-plotly-plot", "els => Math.max(...els.map(e => e.getBoundingClientRect().width))")
    assert wide > 1000  # the full-width charts are wider than the paper on this screen
    pdf = print_to_pdf(page, "fallzahlen")
    widths = page.eval_on_selector_all(
        ".js-plotly-plot", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and max(widths) <= 981, widths
    # not shrunk to fit: the title (18 pt in print.css) is twice the page number's 9 pt, which
    # the page margin box draws outside any scaling
    ratio = glyph_height(pdf, 1, "Fallzahlen") / glyph_height(pdf, 1, "Seite")
    assert ratio > 1.8, ratio
    text = "\n".join(page_texts(pdf, page_count(pdf)))
    assert "Fallzahlen" in text and "Kreis Coesfeld" in text and "Seite 1 von" in text
    for word in NOT_IN_PRINT:
        assert word not in text, word
    # back on the screen the charts follow the window again
    page.emulate_media(media="screen")
    page.wait_for_function(
        "() => Math.max(...[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(e => e.getBoundingClientRect().width)) > 1000")
    # a real print dialog: the charts must be narrowed synchronously in beforeprint, before
    # the browser lays the pages out
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(f"() => {WIDEST_BOX_JS} > {PAPER_PX}")
    narrowed = page.evaluate(
        "() => { window.dispatchEvent(new Event('beforeprint'));"
        f" const w = {WIDEST_BOX_JS};"
        " window.dispatchEvent(new Event('afterprint')); return w; }")
    assert narrowed <= PAPER_PX, narrowed
    for old in PRINT_DIR.glob("fallzahlen-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf),
                    str(PRINT_DIR / "fallzahlen")], check=True)
