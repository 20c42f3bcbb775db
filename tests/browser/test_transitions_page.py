"""Statuswechsel (/statuswechsel) in a real browser: opens cleanly at both projector sizes, shows
the numbers of `kim report`, and the period and Bezirk in the URL change them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from dashboard.pages.transitions import benefit_summary, sphere_summary, status_summary
from queries.filters import Filter

from .conftest import MIN_CELL, SCREENSHOTS, TODAY
from .helpers import open_page

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]




def assert_summaries(page, report: dict):
    tr = report["transitions"]
    expect(page.locator("#transitions-summary")).to_have_text(status_summary(tr, MIN_CELL))
    expect(page.locator("#transitions-sphere-summary")).to_have_text(
        sphere_summary(tr["sphere_changes"], MIN_CELL))
    expect(page.locator("#transitions-benefit-summary")).to_have_text(
        benefit_summary(tr["sphere_changes"]["benefit"], MIN_CELL))


def test_transitions_page_opens_without_errors_and_foreign_requests(watched):
    page = watched
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, "/statuswechsel")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator(".kim-error").count() == 0
        # the Sankey is drawn with its column headings
        expect(page.locator("#transitions-sankey .sankey")).to_have_count(1)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"statuswechsel-{width}-{height}.png"),
                        full_page=True)


def test_transition_numbers_equal_kim_report(watched, report_for):
    page = watched
    open_page(page, "/statuswechsel")
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))
    assert report["transitions"]["total"]  # real, unsuppressed numbers are compared
    assert_summaries(page, report)
    # one table row per flow of the report
    rows = page.locator("#transitions-sankey-table .ag-center-cols-container [role='row']")
    expect(rows).to_have_count(len(report["transitions"]["flows"]))


def test_period_and_district_change_the_url_and_the_figures(watched, report_for):
    page = watched
    open_page(page, "/statuswechsel")
    before = page.locator("#transitions-summary").inner_text()
    page.select_option("#filter-preset", "vorjahr")
    page.wait_for_url(re.compile(r"/statuswechsel\?von=2024-01-01&bis=2024-12-31"))
    last_year = report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), min_cell=MIN_CELL))
    assert_summaries(page, last_year)
    assert page.locator("#transitions-summary").inner_text() != before

    page.select_option("#filter-district", "SUED")
    page.wait_for_url(re.compile(r"bezirk=SUED"))
    sued = report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), "SUED", min_cell=MIN_CELL))
    assert_summaries(page, sued)
    expect(page.locator("#kim-page .kim-page-title")).to_contain_text("Bezirk")


def test_a_period_without_transitions_says_so_in_words(watched):
    page = watched
    # 1 to 2 January 2021: a holiday stretch of the demo data without status changes.
    open_page(page, "/statuswechsel?von=2021-01-01&bis=2021-01-02")
    expect(page.locator("#transitions-summary")).to_have_text(
        "Im gewählten Zeitraum gab es keine Wechsel des Aufenthaltsstatus.")
    expect(page.locator("#transitions-sankey .kim-no-data")).to_be_visible()
    expect(page.locator("#transitions-monthly .kim-no-data, #transitions-monthly .js-plotly-plot")
           ).to_have_count(1)
