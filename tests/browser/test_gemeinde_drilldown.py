"""The fourth drill-down level of /fallzahlen in Chromium: Kreis → Bezirk → Gemeinde (its case
managers). Clicked as a person does, the URL carries `gemeinde=`, the breadcrumb leads back up,
the filter bar keeps the Gemeinde and a change of the Bezirk drops it, the table shows the numbers
of caseload_by_staff for that Gemeinde, an unusable `gemeinde` gives a German note. Screenshots
screenshots/fallzahlen-gemeinde-<width>-<height>.png."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from dashboard import format as fmt
from dashboard.components.charts import staff_label
from queries import caseload, db
from queries.filters import Filter

from .conftest import MIN_CELL, SCREENSHOTS, TODAY
from .helpers import NBSP, grid_rows, open_page, wait_ready

pytestmark = pytest.mark.browser

START = "/fallzahlen?von=2025-01-01&bis=2025-11-15"


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def click_bar(page, graph_id: str, index: int) -> None:
    # plotly's drag layer lies over the bars: click where the bar is, as a person does
    bar = page.locator(f"#{graph_id} .bars .point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)




@pytest.fixture(scope="module")
def staff_of(demo_url):
    engine = db.reader_engine(demo_url)

    def run(f, district, ags):
        with engine.connect() as conn:
            return caseload.caseload_by_staff(conn, f, district, ags)

    yield run
    engine.dispose()


def test_gemeinde_drill_down_and_back(watched, report_for, staff_of):
    page = watched
    f = Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL)
    report = report_for(f)
    districts = report["caseload"]["districts"]
    open_page(page, START)

    # Kreis -> Bezirk: the first district's bar
    district = districts[0]
    click_bar(page, "caseload-districts-graph", 0)
    expect(page).to_have_url(re.compile(rf"bezirk={district['id']}"))
    wait_ready(page)
    expect(page.locator("#caseload-staff")).to_be_visible()

    # Bezirk -> Gemeinde: the bar of the Gemeinde with the most active cases
    municipalities = district["municipalities"]
    index = max(range(len(municipalities)), key=lambda i: municipalities[i]["active"] or 0)
    gemeinde = municipalities[index]
    assert gemeinde["active"] and gemeinde["active"] >= MIN_CELL  # a real number to compare
    click_bar(page, "caseload-municipalities-graph", index)
    expect(page).to_have_url(re.compile(rf"gemeinde={gemeinde['ags']}"))
    wait_ready(page)
    assert query(page) == {"von": ["2025-01-01"], "bis": ["2025-11-15"],
                           "bezirk": [district["id"]], "gemeinde": [gemeinde["ags"]]}
    crumbs = page.locator("#kim-breadcrumb li")
    expect(crumbs).to_have_text(["Kreis Coesfeld", f"Bezirk {district['name']}",
                                 f"Gemeinde {gemeinde['name']}"])
    expect(page.locator("#caseload-staff")).to_have_count(0)
    section = page.locator("#caseload-municipality-staff")
    expect(section).to_be_visible()
    expect(section).to_contain_text("nicht für eine Gemeinde")
    expect(page.locator("#caseload-municipality-summary")).to_contain_text(
        f"{fmt.count(gemeinde['active'], MIN_CELL)} aktive Fälle")

    # the table has the numbers of the query for this Gemeinde, suppressed as everywhere
    expected = staff_of(f, district["id"], gemeinde["ags"])
    assert len(expected) >= 2
    columns, rows = grid_rows(page, "caseload-municipality-staff-table", plain_spaces=True)
    assert columns == ["staff", "active", "opened", "closed"]  # no per-FTE column
    assert rows == [
        [staff_label(r["staff_id"]), *(fmt.count(r[k], MIN_CELL).replace(NBSP, " ")
                                       for k in ("active", "opened", "closed"))]
        for r in expected
    ]
    # and add up to the Gemeinde's active cases where nothing is suppressed
    if all(r["active"] is not None for r in expected):
        assert sum(r["active"] for r in expected) == gemeinde["active"]

    SCREENSHOTS.mkdir(exist_ok=True)
    for width, height in [(1280, 720), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()  # drawn afresh at this size (plotly and the grid do not reflow at once)
        wait_ready(page)
        expect(section).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"fallzahlen-gemeinde-{width}-{height}.png"),
                        full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.reload()
    wait_ready(page)

    # the filter bar keeps the Gemeinde on a period change ...
    page.select_option("#filter-preset", "vorjahr")
    expect(page).to_have_url(re.compile(r"von=2024-01-01&bis=2024-12-31"))
    assert query(page)["gemeinde"] == [gemeinde["ags"]]
    wait_ready(page)
    expect(crumbs.last).to_have_text(f"Gemeinde {gemeinde['name']}")
    bezirk_link = page.locator("#kim-breadcrumb a", has_text=f"Bezirk {district['name']}")
    expect(bezirk_link).to_have_attribute("href", re.compile(r"von=2024-01-01"))  # redrawn

    # ... the breadcrumb leads up to the Bezirk (period kept, Gemeinde dropped) ...
    bezirk_link.click()
    expect(page).to_have_url(re.compile(r"^(?!.*gemeinde=)"))
    assert query(page) == {"von": ["2024-01-01"], "bis": ["2024-12-31"],
                           "bezirk": [district["id"]]}
    expect(page.locator("#caseload-staff")).to_be_visible()

    # ... back down, and a change of the Bezirk in the filter bar drops the Gemeinde
    page.go_back()
    expect(page).to_have_url(re.compile(rf"gemeinde={gemeinde['ags']}"))
    wait_ready(page)
    other = districts[1]["id"]
    page.select_option("#filter-district", other)
    expect(page).to_have_url(re.compile(rf"bezirk={other}"))
    assert "gemeinde" not in query(page)
    expect(page.locator("#caseload-municipality-staff")).to_have_count(0)

    # from the Gemeinde level the breadcrumb's first item goes to the Kreis
    open_page(page, f"{START}&bezirk={district['id']}&gemeinde={gemeinde['ags']}")
    page.locator("#kim-breadcrumb a", has_text="Kreis Coesfeld").click()
    expect(page).to_have_url(re.compile(r"^(?!.*(bezirk|gemeinde)=)"))
    expect(page.locator("#caseload-districts")).to_be_visible()


def test_unusable_gemeinde_gives_a_note_and_the_bezirk(watched, report_for):
    page = watched
    districts = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["caseload"][
        "districts"]
    first, second = districts[0], districts[1]
    foreign = second["municipalities"][0]["ags"]  # a Gemeinde of another Bezirk
    open_page(page, f"{START}&bezirk={first['id']}&gemeinde={foreign}")
    # The router knows every Gemeinde's Bezirk: it drops the value with a note above the page.
    expect(page.locator("#kim-url-note")).to_contain_text("gehört nicht zum Bezirk")
    assert "gemeinde=" not in page.locator("#nav-fallzahlen").get_attribute("href")
    expect(page.locator("#kim-breadcrumb li").last).to_have_text(f"Bezirk {first['name']}")
    expect(page.locator("#caseload-staff")).to_be_visible()

    open_page(page, f"{START}&bezirk={first['id']}&gemeinde=%3Cscript%3E")
    expect(page.locator("#kim-url-note")).to_contain_text("kein gültiger Gemeindeschlüssel")
    expect(page.locator("#caseload-staff")).to_be_visible()
    assert page.locator(".kim-error").count() == 0


def test_a_gemeinde_clicked_on_the_kreis_level_opens_it_with_its_bezirk(watched, report_for):
    page = watched
    districts = report_for(Filter(date(2025, 1, 1), TODAY, min_cell=MIN_CELL))["caseload"][
        "districts"]
    rows = [(d, m) for d in districts for m in d["municipalities"]]  # the chart's bar order
    index = max(range(len(rows)), key=lambda i: rows[i][1]["active"] or 0)
    district, gemeinde = rows[index]
    open_page(page, START)
    click_bar(page, "caseload-municipalities-graph", index)
    expect(page).to_have_url(re.compile(rf"bezirk={district['id']}&gemeinde={gemeinde['ags']}"))
    expect(page.locator("#kim-breadcrumb li").last).to_have_text(f"Gemeinde {gemeinde['name']}")
    expect(page.locator("#filter-district")).to_have_value(district["id"])
