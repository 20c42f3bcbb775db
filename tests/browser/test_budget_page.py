"""Mittelabfluss (/budget) in a real browser: opens cleanly at both projector sizes, shows the
numbers of `kim report`, and the budget year and the period live in the URL."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from dashboard import format as fmt
from dashboard.components import budget_charts as bc
from dashboard.pages.budget import summary_text
from queries.filters import Filter

from .conftest import MIN_CELL, SCREENSHOTS, TODAY
from .helpers import open_page

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]




def spent_cells(page) -> list[str]:
    grid = page.locator("#budget-module-bullets-table")
    return [c.inner_text().strip() for c in grid.locator("[col-id='spent_cents'].ag-cell").all()]


def test_budget_page_opens_without_errors_and_foreign_requests(watched):
    page = watched
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, "/budget")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator(".kim-error").count() == 0
        expect(page.locator("#budget-kreiswide")).to_contain_text("Bezirksfilter wirkt")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"mittelabfluss-{width}-{height}.png"),
                        full_page=True)


def test_budget_numbers_equal_kim_report(watched, report_for):
    page = watched
    open_page(page, "/budget")
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["budget"]
    assert any(m["spent_cents"] > 0 for m in report["modules"])  # real numbers compared
    expect(page.locator("#budget-summary")).to_have_text(summary_text(report, TODAY))
    assert spent_cells(page) == [fmt.euro(m["spent_cents"]) for m in report["modules"]]


def test_budget_year_and_period_live_in_the_url(watched, report_for, context):
    page = watched
    open_page(page, "/budget?bezirk=NORD")
    # A Bezirk does not change the budget: the page says so and shows the Kreis-wide figures.
    expect(page.locator("#budget-kreiswide")).to_contain_text("Bezirk „NORD“ gewählt")
    kreis = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["budget"]
    expect(page.locator("#budget-summary")).to_have_text(summary_text(kreis, TODAY))

    page.select_option("#budget-year", "2024")
    page.wait_for_url(re.compile(r"jahr=2024"))
    year_2024 = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL, year=2024))
    expect(page.locator("#budget-summary")).to_have_text(
        summary_text(year_2024["budget"], TODAY))
    assert year_2024["budget"]["modules"][0]["elapsed_share"] == 1.0  # a past year: all passed

    page.select_option("#filter-preset", "vorjahr")
    page.wait_for_url(re.compile(r"von=2024-01-01&bis=2024-12-31"))
    query = parse_qs(urlparse(page.url).query)
    assert query["jahr"] == ["2024"] and query["bezirk"] == ["NORD"]
    end_2024 = date(2024, 12, 31)
    last_year = report_for(Filter(date(2024, 1, 1), end_2024, min_cell=MIN_CELL, year=2024))
    expect(page.locator("#budget-summary")).to_have_text(
        summary_text(last_year["budget"], end_2024))
    assert last_year["budget"] != year_2024["budget"]  # the period really changed the figures
    expect(page.locator("#budget-module-bullets-table")).to_be_visible()
    assert spent_cells(page) == [
        fmt.euro(m["spent_cents"]) for m in last_year["budget"]["modules"]
    ]

    # a copied link opens the same view
    other = context.new_page()
    open_page(other, page.url)
    expect(other.locator("#budget-year")).to_have_value("2024")
    expect(other.locator("#budget-summary")).to_have_text(
        summary_text(last_year["budget"], end_2024))
    other.close()


def test_a_bad_year_in_the_url_falls_back_with_a_note(watched, report_for):
    page = watched
    open_page(page, "/budget?jahr=zwanzig")
    expect(page.locator("#budget-year-note")).to_contain_text("kein gültiges Haushaltsjahr")
    expect(page.locator("#budget-year")).to_have_value("2025")
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["budget"]
    expect(page.locator("#budget-summary")).to_have_text(summary_text(report, TODAY))


def test_a_year_not_yet_begun_says_in_words_what_is_missing(watched, report_for):
    page = watched
    open_page(page, "/budget?jahr=2026")
    expect(page.locator("#budget-year")).to_have_value("2026")
    # The demo data allocate 2026 already, but on 15.11.2025 nothing of 2026 has passed: no
    # projection, no months to draw.
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL, year=2026))["budget"]
    assert report["modules"][0]["allocated_cents"] > 0
    assert report["modules"][0]["projected_cents"] is None
    expect(page.locator("#budget-summary")).to_have_text(summary_text(report, TODAY))
    expect(page.locator("#budget-land")).to_contain_text("keine Hochrechnung der Landesmittel")
    expect(page.locator("#budget-proof-link")).to_have_count(0)
    expect(page.locator("#budget-cumulative .kim-no-data")).to_be_visible()


def test_land_funds_equal_kim_report_and_a_past_year_links_its_proof(watched, report_for):
    page = watched
    open_page(page, "/budget")
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["budget"]
    # The demo's long Modul II vacancy (queries/demo.py LONG_VACANCY_*): Land money forfeited,
    # and the Land paid it in advance, so some goes back.
    module_ii = report["modules"][1]
    assert module_ii["land_forfeit_projected_cents"] > 0
    assert report["total"]["repayment_projected_cents"] > 0
    grid = page.locator("#budget-land-table")
    cells = [c.inner_text().strip() for c in
             grid.locator("[col-id='repayment_projected_cents'].ag-cell").all()]
    assert cells == [fmt.euro(m["repayment_projected_cents"]) for m in report["modules"]] + [
        fmt.euro(report["total"]["repayment_projected_cents"])]
    expect(page.locator("#budget-land")).to_contain_text(bc.ASSUMPTION)
    expect(page.locator("#budget-land")).to_contain_text("Modul II")
    expect(page.locator("#budget-proof-link")).to_have_count(0)  # 2025 is not finished
    open_page(page, "/budget?jahr=2024")
    link = page.locator("#budget-proof-link")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "kim-verwendungsnachweis-2024-entwurf.xlsx"
