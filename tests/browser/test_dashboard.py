"""End-to-end: every page opens cleanly, the Überblick equals `kim report`, filters and the
drill-down live in the URL, garbage in the URL falls back with a note. Screenshots included."""

from __future__ import annotations

import base64
import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from dashboard import format as fmt
from queries.filters import Filter

from .conftest import MIN_CELL, SCREENSHOTS, TODAY
from .helpers import open_page, wait_ready

pytestmark = pytest.mark.browser

PAGES = {
    "ueberblick": "/",
    "fallzahlen": "/fallzahlen",
    "fallzahlen-bezirk": "/fallzahlen?bezirk=NORD",
}
SIZES = [(1280, 720), (1920, 1080)]


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def card(page, card_id: str) -> str:
    return page.locator(f"#{card_id}-value").inner_text().strip()


def expected_cards(report: dict) -> dict[str, str]:
    total = report["caseload"]["total"]
    tr = report["transitions"]
    cards = {
        "kpi-active": fmt.count(total["active"], MIN_CELL),
        "kpi-per-fte": fmt.number(total["per_fte"], 1),
        "kpi-opened": fmt.count(total["opened"], MIN_CELL),
        "kpi-bleiberecht": fmt.count(tr["bleiberecht"], MIN_CELL),
        "kpi-einbuergerungen": fmt.count(tr["einbuergerungen"], MIN_CELL),
    }
    cards["kpi-goal"] = fmt.percent(report["outcomes"]["closures"]["goal_share"])
    for m in report["budget"]["modules"]:
        cards[f"kpi-budget-{m['module']}"] = fmt.percent(m["utilisation"])
    return cards


def assert_cards_equal_report(page, report: dict):
    expected = expected_cards(report)
    shown = {card_id: card(page, card_id) for card_id in expected}
    assert shown == expected
    # the demo data are not trivially empty: the comparison compares real numbers
    assert report["caseload"]["total"]["active"] and report["caseload"]["total"]["active"] > 0


@pytest.mark.parametrize("name", list(PAGES))
def test_page_opens_without_errors_and_foreign_requests(watched, name):
    page = watched
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, PAGES[name])
        assert page.locator("html").get_attribute("lang") == "de"
        expect(page.locator("#kim-kreis")).to_have_text("Kreis Coesfeld")
        expect(page.locator("#kim-data-as-of")).to_contain_text("Datenstand: ")
        assert page.locator(".kim-error").count() == 0
        # brand, navigation and the right-hand group (Datenstand, report, switches) share one
        # row at 1280 px too: the header does not take a second line of the 720 px
        nav = page.locator("#kim-nav").bounding_box()
        group = page.locator(".kim-meta").bounding_box()
        assert group["x"] >= nav["x"] + nav["width"], (width, nav, group)
        assert page.locator(".kim-header").bounding_box()["height"] < 90, width
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{height}.png"), full_page=True)


def test_overview_cards_equal_kim_report(watched, report_for):
    page = watched
    open_page(page, "/")
    assert_cards_equal_report(page, report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL)))

    open_page(page, "/?von=2024-01-01&bis=2024-12-31&bezirk=SUED")
    assert_cards_equal_report(
        page, report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), "SUED", min_cell=MIN_CELL))
    )


def test_filter_changes_the_url_and_the_url_restores_the_view(watched, report_for, context):
    page = watched
    open_page(page, "/")
    this_year = card(page, "kpi-active")

    page.select_option("#filter-preset", "vorjahr")
    expect(page).to_have_url(re.compile(r"von=2024-01-01&bis=2024-12-31"))
    last_year = report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), min_cell=MIN_CELL))
    expect(page.locator("#kpi-active-value")).to_have_text(expected_cards(last_year)["kpi-active"])

    page.select_option("#filter-district", "NORD")
    expect(page).to_have_url(re.compile(r"bezirk=NORD"))
    assert query(page) == {"von": ["2024-01-01"], "bis": ["2024-12-31"], "bezirk": ["NORD"]}
    nord = report_for(Filter(date(2024, 1, 1), date(2024, 12, 31), "NORD", min_cell=MIN_CELL))
    expect(page.locator("#kpi-active-value")).to_have_text(expected_cards(nord)["kpi-active"])

    # a copied link opens the same view in a new page
    other = context.new_page()
    open_page(other, page.url)
    assert_cards_equal_report(other, nord)
    expect(other.locator("#filter-preset")).to_have_value("vorjahr")
    expect(other.locator("#filter-district")).to_have_value("NORD")
    other.close()

    # reload keeps it
    page.reload()
    wait_ready(page)
    expect(page.locator("#kpi-active-value")).to_have_text(expected_cards(nord)["kpi-active"])

    # back and forward
    page.go_back()
    expect(page).to_have_url(re.compile(r"^(?!.*bezirk=)"))
    expect(page.locator("#filter-district")).to_have_value("alle")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#kpi-active-value")).to_have_text(this_year)
    page.go_forward()
    expect(page).to_have_url(re.compile(r"von=2024-01-01"))
    expect(page.locator("#kpi-active-value")).to_have_text(expected_cards(last_year)["kpi-active"])

    # a typed date (German notation) is taken on Enter
    page.fill("#filter-from", "01.03.2024")
    page.press("#filter-from", "Enter")
    expect(page).to_have_url(re.compile(r"von=2024-03-01&bis=2024-12-31"))
    expect(page.locator("#filter-preset")).to_have_value("eigener")


def decode(array):
    """A plotly array from the JSON sent to the browser: plain list, or base64 typed array."""
    import numpy as np

    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_drill_down_and_breadcrumb(watched, report_for):
    page = watched
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "kim-page" in (r.request.post_data or "")) as response:
        open_page(page, "/fallzahlen?von=2025-01-01&bis=2025-11-15")
    report = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))
    districts = report["caseload"]["districts"]

    # the bars sent to the browser carry the report's numbers
    payload = response.value.json()
    figure = _find_figure(payload, "caseload-districts-graph")
    bars = figure["data"][0]
    assert list(bars["x"]) == [d["name"] for d in districts]
    assert decode(bars["y"]) == [d["active"] for d in districts]

    expect(page.locator("#kim-breadcrumb")).to_have_text("Kreis Coesfeld")
    # click the second district's bar
    target = districts[1]
    # plotly's drag layer lies over the bars: click where the bar is, as a person does
    box = page.locator("#caseload-districts-graph .bars .point path").nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(rf"bezirk={target['id']}"))
    expect(page.locator("#kim-breadcrumb")).to_contain_text(f"Bezirk {target['name']}")
    expect(page.locator("#caseload-staff")).to_be_visible()
    expect(page.locator("#filter-district")).to_have_value(target["id"])
    assert query(page)["von"] == ["2025-01-01"]

    # the breadcrumb goes back up, keeping the period
    page.locator("#kim-breadcrumb a", has_text="Kreis Coesfeld").click()
    expect(page).to_have_url(re.compile(r"^(?!.*bezirk=)"))
    assert query(page) == {"von": ["2025-01-01"], "bis": ["2025-11-15"]}
    expect(page.locator("#caseload-districts")).to_be_visible()
    expect(page.locator("#caseload-staff")).to_have_count(0)


def _find_figure(node, graph_id):
    """The figure of `graph_id` inside a Dash callback response."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == graph_id:
            return props["figure"]
        for value in node.values():
            found = _find_figure(value, graph_id)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find_figure(value, graph_id)
            if found is not None:
                return found
    return None


def test_garbage_in_the_url_shows_the_default_view_and_a_note(watched, report_for):
    page = watched
    open_page(page, "/?von=kaputt&bezirk=%27%3BDROP")
    note = page.locator("#kim-url-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("„kaputt“ ist kein gültiges Datum")
    expect(note).to_contain_text("Einen Bezirk „';DROP“ gibt es nicht")
    assert_cards_equal_report(page, report_for(Filter(date(2025, 1, 1), TODAY,
                                                      min_cell=MIN_CELL)))
    expect(page.locator("#filter-district")).to_have_value("alle")
