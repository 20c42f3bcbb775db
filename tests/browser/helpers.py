"""Helpers the browser tests share: open a page and wait until it is drawn."""

from __future__ import annotations

from playwright.sync_api import expect


def wait_ready(page) -> None:
    """The page title is shown, no request is pending, and every graph has drawn its SVG."""
    expect(page.locator("#kim-page .kim-page-title")).to_be_visible(timeout=20_000)
    page.wait_for_load_state("networkidle")
    # plotly draws after the callback returned; wait until every graph has drawn its bars
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        ".every(g => g.querySelector('.main-svg'))"
    )


def open_page(page, path: str) -> None:
    page.goto(path)
    wait_ready(page)


NBSP = "\u00a0"


def grid_rows(page, grid_id: str, *, plain_spaces: bool = False
              ) -> tuple[list[str], list[list[str]]]:
    """(column ids, the cell texts of every row in row order) as the AG grid `grid_id` shows
    them; with plain_spaces, the no-break spaces of German formats become plain spaces."""
    grid = page.locator(f"#{grid_id}")
    columns = [h.get_attribute("col-id") for h in grid.locator(".ag-header-cell").all()]
    rows = {}
    for row in grid.locator(".ag-center-cols-container .ag-row").all():
        index = int(row.get_attribute("row-index"))
        cells = [row.locator(f"[col-id='{c}']").inner_text().strip() for c in columns]
        rows[index] = [c.replace(NBSP, " ") for c in cells] if plain_spaces else cells
    return columns, [rows[i] for i in sorted(rows)]
