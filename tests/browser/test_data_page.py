"""Datenstand (/daten) in a real browser: opens cleanly at both sizes, lists the import history
and table counts of the database, and shows the data-quality checks with their counts."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from dashboard import format as fmt
from queries import db, meta, quality

from .conftest import MIN_CELL, SCREENSHOTS, TODAY
from .helpers import open_page

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]




@pytest.fixture(scope="module")
def truth(demo_url):
    engine = db.reader_engine(demo_url)
    with engine.connect() as conn:
        found = {
            "warnings": quality.quality_warnings(conn, TODAY),
            "warnings_2024": quality.quality_warnings(conn, date(2024, 12, 31)),
            "counts": meta.table_counts(conn),
            "runs": meta.import_runs(conn),
        }
    engine.dispose()
    return found


def _shown_count(w: dict) -> str:
    if w["subject"] in ("case", "person") and w["count"]:
        return fmt.count(w["count"], MIN_CELL)
    return fmt.number(w["count"])


def test_data_page_opens_without_errors_and_foreign_requests(watched):
    page = watched
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, "/daten")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator(".kim-error").count() == 0
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"datenstand-{width}-{height}.png"),
                        full_page=True)


def test_quality_counts_and_tables_equal_the_database(watched, truth):
    page = watched
    open_page(page, "/daten")
    for w in truth["warnings"]:
        expect(page.locator(f"#quality-{w['key']}-count")).to_have_text(_shown_count(w))
    # The local demo runs as `verwaltung`, the role that corrects the source data: it gets the
    # affected pseudonyms (tests/test_security.py checks that koordination does not).
    text = page.locator("#data-quality").inner_text()
    for w in truth["warnings"]:
        if w["subject"] in ("case", "person") and w["count"]:
            assert all(e in text for e in w["examples"]), w["key"]
    counts = page.locator("#data-counts-table [col-id='rows'].ag-cell")
    expect(counts).to_have_count(len(truth["counts"]))
    assert [c.inner_text() for c in counts.all()] == [
        fmt.number(n) for n in truth["counts"].values()
    ]
    expect(page.locator("#data-runs-table [col-id='source'].ag-cell")).to_have_text(
        [r["source"] for r in truth["runs"]])


def test_the_stichtag_in_the_url_drives_the_checks(watched, truth):
    page = watched
    open_page(page, "/daten")
    page.select_option("#filter-preset", "vorjahr")
    page.wait_for_url("**/daten?von=2024-01-01&bis=2024-12-31")
    expect(page.locator("#kim-page .kim-page-title")).to_contain_text("31.12.2024")
    for w in truth["warnings_2024"]:
        expect(page.locator(f"#quality-{w['key']}-count")).to_have_text(_shown_count(w))
    assert [w["count"] for w in truth["warnings_2024"]] != [w["count"] for w in truth["warnings"]]
