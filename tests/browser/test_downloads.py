"""Downloads in a real browser: the "CSV" and "Excel" links under a chart's table are clicked in
Chromium, the files parsed back (csv with ";", openpyxl) and compared with the numbers the grid
shows on the page; the links carry the current filters; screenshots of a section with its links."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .helpers import NBSP, grid_rows, open_page

pytestmark = pytest.mark.browser





def as_csv_text(shown: str) -> str:
    """A grid text in the CSV's notation: no thousands separator, no unit, plain spaces."""
    text = shown.replace(NBSP, " ")
    if text[:1].isdigit() or text[:1] == "-":
        text = text.replace(".", "").removesuffix(" %").removesuffix(" €")
    return text


def download(page, link_id: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.locator(f"#{link_id}").click()
    dl = info.value
    assert dl.failure() is None
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def test_csv_download_has_the_numbers_of_the_grid(watched):
    page = watched
    open_page(page, "/fallzahlen?von=2025-01-01&bis=2025-11-15&bezirk=NORD")
    link = page.locator("#caseload-staff-download-csv")
    expect(link).to_be_visible()
    assert link.get_attribute("download") is not None
    href = link.get_attribute("href")
    assert href.startswith("/download/fallzahlen/caseload-staff.csv?")
    assert "bezirk=NORD" in href and "von=2025-01-01" in href and "bis=2025-11-15" in href

    name, body = download(page, "caseload-staff-download-csv")
    assert name == "kim-fallzahlen-caseload-staff-2025-01-01-2025-11-15.csv"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    columns, shown = grid_rows(page, "caseload-staff-table")
    headers = [page.locator(f"#caseload-staff-table .ag-header-cell[col-id='{c}']")
               .inner_text().strip() for c in columns]
    assert rows[0] == headers
    assert len(rows) - 1 == len(shown) >= 3
    assert [[as_csv_text(t) for t in r] for r in shown] == rows[1:]
    assert any("•" in r for r in rows[1:]), "expected a hidden cell in NORD"


def test_excel_download_has_the_numbers_of_the_grid(watched):
    page = watched
    open_page(page, "/fallzahlen?von=2025-01-01&bis=2025-11-15")
    name, body = download(page, "caseload-districts-download-xlsx")
    assert name == "kim-fallzahlen-caseload-districts-2025-01-01-2025-11-15.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(body))
    ws = book.active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(values) if r[:2] == ["Bezirk", "aktive Fälle"])
    _, shown = grid_rows(page, "caseload-districts-table")
    table = values[header + 1:]
    assert len(table) == len(shown) >= 3
    for sheet_row, grid_row in zip(table, shown, strict=True):
        assert sheet_row[0] == grid_row[0]  # Bezirk
        for value, text in zip(sheet_row[1:4], grid_row[1:4], strict=True):  # the counts
            expected = text.replace(NBSP, " ")
            assert (value if isinstance(value, str) else f"{value:,}".replace(",", ".")) \
                == expected
    assert any(v == "Kreis Coesfeld" for r in values[:12] for v in r)


def test_all_tables_link_and_filters_follow_navigation(watched):
    page = watched
    open_page(page, "/budget?von=2025-01-01&bis=2025-11-15")
    name, body = download(page, "kim-download-all")
    assert name == "kim-budget-alle-tabellen-2025-01-01-2025-11-15.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert len(book.sheetnames) == 5
    # a filter change in the page (drill-down by URL) gives links with the new filter
    open_page(page, "/fallzahlen?von=2025-01-01&bis=2025-11-15")
    page.locator("#nav-statuswechsel").click()
    expect(page.locator("#transitions-monthly-download-csv")).to_have_attribute(
        "href", "/download/statuswechsel/transitions-monthly.csv?von=2025-01-01&bis=2025-11-15")


def test_screenshot_of_a_section_with_its_links(page):
    SCREENSHOTS.mkdir(exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, "/fallzahlen?bezirk=NORD")
        target = page.locator("#caseload-municipalities")
        target.scroll_into_view_if_needed()
        expect(target.locator(".kim-downloads")).to_be_visible()
        target.screenshot(path=str(SCREENSHOTS / f"download-links-{width}-{height}.png"))
    # projector: the links are folded away
    open_page(page, "/fallzahlen?bezirk=NORD&praesentation=1")
    expect(page.locator("#caseload-municipalities .kim-downloads")).to_be_hidden()
