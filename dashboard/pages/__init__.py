"""The page registry: which pages exist, in which order (navigation and, later, slide order).

A page is one module in this package with
    PATH       its address, e.g. "/budget"
    TITLE      the browser tab title and the page heading
    NAV_LABEL  the word in the navigation
    layout(view: dashboard.urlstate.View) -> component
               draws the page for one URL; view.filter is the validated Filter,
               view.data.call(fn, f, ...) runs a queries/ figure function (cached, read-only),
               view.href(path, **changes) links to a page keeping the current view;
               declare each figure once as a sections.Section in SECTIONS and draw it with
               sections.draw(section, view) (downloads, the print report and the one error
               policy come with it; docs/SECTIONS.md)
    register_callbacks(app, data) -> None
               the page's own callbacks (e.g. a click that writes the URL); may do nothing
    IN_NAV     optional, default True; False keeps a page out of the navigation and thereby out
               of the slides (e.g. the print report /bericht, reached by its own link)
Nothing in a page module runs at import: the app factory calls register_callbacks once per app.

To add a page: write the module, then add it to PAGES below at its place in the order.
"""

from __future__ import annotations

from . import budget, caseload, data_status, outcomes, overview, report_print, transitions

PAGES = (
    overview,
    caseload,
    budget,
    transitions,
    outcomes,
    data_status,
    report_print,  # IN_NAV = False
)


def in_nav(page) -> bool:
    """Whether a page has a link in the navigation (and so is a slide in presentation mode)."""
    return getattr(page, "IN_NAV", True)

