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
