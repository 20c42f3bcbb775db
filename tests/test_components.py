"""Chart builders, KPI change, tables, filter-bar logic and theme, called with hand-made rows."""

from datetime import date

import pytest

from dashboard import theme
from dashboard.components import charts, filterbar
from dashboard.components.tables import Column, table_rows
from dashboard.pages.caseload import district_of_click
from tests.figures import checked

NBSP = "\u00a0"
K = 5
MARK = "•"  # the one mark of a hidden count (KPIS.md "Disclosure control")


def test_active_cases_by_district_values_ids_and_suppression():
    districts = [
        {"id": "MITTE", "name": "Mitte", "active": 164, "per_fte": 41.0},
        {"id": "NORD", "name": "Nord", "active": None, "per_fte": None},  # 1..4 cases
        {"id": "SUED", "name": "Süd", "active": 0, "per_fte": None},
    ]
    fig = checked(charts.active_cases_by_district(districts, K))
    (bar,) = fig.data
    assert list(bar.x) == ["Mitte", "Nord", "Süd"]
    # The hidden bar is a marker at the axis, never 0: 1.5 % of the tallest shown bar,
    # 0.015 * 164 = 2.46.
    assert list(bar.y) == [164, pytest.approx(2.46), 0]
    assert list(bar.text) == ["164", MARK, "0"]
    assert list(bar.marker.pattern.shape) == ["", "/", ""]
    assert list(bar.marker.color) == [theme.CASES, theme.SUPPRESSED_FILL, theme.CASES]
    # the drill-down reads the district id from customdata[0]
    assert [c[0] for c in bar.customdata] == ["MITTE", "NORD", "SUED"]
    click = {"points": [{"customdata": list(bar.customdata[1])}]}
    assert district_of_click(click) == "NORD"
    assert district_of_click(None) is None
    assert district_of_click({"points": []}) is None


def test_placeholder_is_a_sliver_of_the_tallest_bar_whatever_k():
    # tallest shown bar 20: every hidden count gets 1.5 % of it, 0.015 * 20 = 0.3 – the same
    # marker for both hidden counts and for any K (no K-1 floor that would tell "below K")
    assert charts.SUPPRESSED_HEIGHT_SHARE == 0.015
    for k in (3, K, 10):
        fig = checked(charts.count_bars(["a", "b", "c"], [None, 20, None], min_cell=k))
        assert list(fig.data[0].y) == [pytest.approx(0.3), 20, pytest.approx(0.3)]
        assert list(fig.data[0].text) == [MARK, "20", MARK]


def test_ratio_bars_tell_suppressed_from_undefined():
    districts = [
        {"id": "A", "name": "A", "active": 90, "per_fte": 45.0},
        {"id": "B", "name": "B", "active": None, "per_fte": None},  # count suppressed
        {"id": "C", "name": "C", "active": 12, "per_fte": None},  # no FTE: undefined
    ]
    (bar,) = checked(charts.caseload_per_fte_by_district(districts, K)).data
    assert list(bar.text) == ["45,0", MARK, "keine Stelle"]
    assert list(bar.marker.pattern.shape) == ["", "/", "/"]
    # markers: 1.5 % of 45.0 = 0.675
    assert list(bar.y) == [45.0, pytest.approx(0.675), pytest.approx(0.675)]


def test_per_1000_by_municipality_is_horizontal_in_table_order():
    rows = [
        {"ags": "05558012", "name": "Coesfeld", "active": 75, "per_1000": 2.03},
        {"ags": "05558016", "name": "Dülmen", "active": 110, "per_1000": 2.32},
    ]
    (bar,) = checked(charts.per_1000_by_municipality(rows, K)).data
    assert bar.orientation == "h"
    assert list(bar.y) == ["Coesfeld", "Dülmen"]
    assert list(bar.x) == [2.03, 2.32]
    assert list(bar.text) == ["2,0", "2,3"]


def test_opened_closed_two_series_with_suppressed_month():
    rows = [
        {"month": "2025-01", "opened": 35, "closed": 53},
        {"month": "2025-02", "opened": None, "closed": 0},
    ]
    fig = checked(charts.opened_closed(rows, K))
    opened, closed = fig.data
    assert (opened.name, closed.name) == ("eröffnet", "abgeschlossen")
    assert list(opened.x) == ["Jan. 2025", "Feb. 2025"]
    # marker: 1.5 % of the tallest bar of both series, 0.015 * 53 = 0.795
    assert list(opened.y) == [35, pytest.approx(0.795)]
    assert list(opened.text) == ["35", MARK]
    assert list(closed.y) == [53, 0]
    assert list(closed.marker.pattern.shape) == ["", ""]


def test_many_bars_carry_no_printed_values_but_suppressed_ones_stay_labelled():
    rows = [{"month": f"20{20 + i // 12}-{i % 12 + 1:02d}", "active": 100 + i} for i in range(30)]
    rows[3]["active"] = None
    (bar,) = checked(charts.monthly_active(rows, K)).data
    assert bar.text[0] == ""
    assert bar.text[3] == MARK
    assert bar.customdata[0][1] == "100"  # still on hover


def test_utilisation_by_module_bars_and_elapsed_share():
    modules = [
        {"module": "I", "utilisation": 0.67, "elapsed_share": 0.874},
        {"module": "II", "utilisation": None, "elapsed_share": 0.874},
    ]
    bar, elapsed = checked(charts.utilisation_by_module(modules)).data
    assert list(bar.x) == ["Modul I", "Modul II"]
    assert list(bar.y) == [67.0, 0]
    assert list(bar.text) == [f"67,0{NBSP}%", "nichts bewilligt"]
    assert list(bar.marker.color) == [theme.MODULE_COLOURS["I"], theme.MODULE_COLOURS["II"]]
    assert list(elapsed.y) == [pytest.approx(87.4), pytest.approx(87.4)]


def test_table_rows_format_in_german_and_keep_raw_values():
    columns = [Column("name", "Bezirk"), Column("active", "aktiv", "count"),
               Column("per_fte", "je VZÄ", "number", 1), Column("month", "Monat", "month")]
    rows = table_rows(columns, [{"name": "Nord", "active": None, "per_fte": 1234.56,
                                 "month": "2025-03"}], K)
    assert rows == [{
        "name": "Nord", "name__text": "Nord",
        "active": None, "active__text": MARK,
        "per_fte": 1234.56, "per_fte__text": "1.234,6",
        "month": "2025-03", "month__text": "März 2025",
    }]


def _next(trigger, **kw):
    args = {"preset": None, "first": None, "last": None, "district": None,
            "search": "?von=2025-01-01&bis=2025-11-15", "today": date(2025, 11, 15),
            "min_cell": 5, "districts": {"NORD", "SUED"}}
    args.update(kw)
    # the callback hands next_search the request's View (urlstate.read parses the URL)
    from dashboard import urlstate

    args["view"] = urlstate.parse(args.pop("search"), today=args["today"],
                                  min_cell=args.pop("min_cell"), districts=args["districts"])
    return filterbar.next_search(trigger, **args)


def test_filter_bar_writes_the_url():
    assert _next(filterbar.PRESET_ID, preset="vorjahr") == "?von=2024-01-01&bis=2024-12-31"
    assert _next(filterbar.PRESET_ID, preset="eigener") is None
    assert _next(filterbar.FROM_ID, first="01.03.2025") == "?von=2025-03-01&bis=2025-11-15"
    assert _next(filterbar.FROM_ID, first="kaputt") is None
    # a start after the end moves the end along
    assert _next(filterbar.FROM_ID, first="01.12.2025") == "?von=2025-12-01&bis=2025-12-01"
    assert _next(filterbar.DISTRICT_ID, district="NORD") == (
        "?von=2025-01-01&bis=2025-11-15&bezirk=NORD")
    assert _next(filterbar.DISTRICT_ID, district="WEST") is None
    assert _next(filterbar.DISTRICT_ID, district=filterbar.ALL_DISTRICTS,
                 search="?von=2025-01-01&bis=2025-11-15&bezirk=NORD") == (
        "?von=2025-01-01&bis=2025-11-15")
    # nothing changes: no new history entry
    assert _next(filterbar.DISTRICT_ID, district=filterbar.ALL_DISTRICTS) is None


def test_text_colours_meet_wcag_aa():
    for colour in (theme.TEXT, theme.TEXT_MUTED, theme.CHANGE_UP, theme.CHANGE_DOWN,
                   theme.CHANGE_BETTER, theme.CHANGE_WORSE, theme.CHANGE_NEUTRAL):
        assert theme.contrast_ratio(colour) >= 4.5, colour
    # the formula itself: black on white is 21:1, white on white 1:1
    assert theme.contrast_ratio("#000000") == pytest.approx(21.0)
    assert theme.contrast_ratio("#FFFFFF") == pytest.approx(1.0)


def test_palette_gives_each_module_and_status_group_its_own_colour():
    colours = [*theme.MODULE_COLOURS.values(), *theme.STATUS_GROUP_COLOURS.values()]
    assert len(set(colours)) == len(colours) == 7
    assert set(colours) <= set(theme.OKABE_ITO.values())


# -- display modes and chart descriptions ----------------------------------------------------

MONTHS = [{"month": f"2025-{m:02d}", "active": a}
          for m, a in zip(range(1, 12), [411, 395, 407, 412, 402, 412, 406, 408, 423, 434, None],
                          strict=True)]


def test_presentation_prints_every_value_and_no_font_below_16():
    # 11 bars with max_labelled=6: the normal view leaves the values to the table
    raw = charts.monthly_active(MONTHS, K, height=charts.SMALL_HEIGHT, max_labelled=6)
    (bar,) = checked(raw).data
    assert list(bar.text) == [""] * 10 + [MARK]
    fig = checked(theme.adapt_figure(raw, presentation=True))
    (bar,) = fig.data
    assert list(bar.text) == ["411", "395", "407", "412", "402", "412", "406", "408", "423",
                              "434", MARK]
    assert bar.textangle == -90  # three digits do not fit over a narrow bar upright
    # text inside a dark blue bar is white, inside the grey placeholder dark
    assert list(bar.insidetextfont.color) == ["#FFFFFF"] * 10 + [theme.TEXT]
    assert fig.layout.uniformtext.minsize == 16
    # month ticks of one year without the year (the slide's heading names it)
    assert list(fig.layout.xaxis.ticktext) == ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni",
                                               "Juli", "Aug.", "Sept.", "Okt.", "Nov."]
    assert fig.layout.xaxis.tickvals[0] == "Jan. 2025"


def test_presentation_prints_short_values_upright_and_raises_small_fonts():
    rows = [{"month": "2025-01", "count": 10}, {"month": "2025-02", "count": None},
            {"month": "2025-03", "count": 7}]
    fig = charts.transitions_monthly(rows, K, max_labelled=1)
    fig["layout"]["xaxis"]["tickfont"] = {"size": 11}
    fig["layout"]["annotations"] = [{"text": "klein", "font": {"size": 12}}]
    fig = checked(theme.adapt_figure(fig, presentation=True))
    (bar,) = fig.data
    assert list(bar.text) == ["10", MARK, "7"] and bar.textangle == 0
    assert fig.layout.xaxis.tickfont.size == 16
    assert fig.layout.annotations[0].font.size == 16
    assert bar.textfont.size >= 16


def test_presentation_leaves_months_of_several_years_alone():
    rows = [{"month": "2024-12", "active": 10}, {"month": "2025-01", "active": 12}]
    fig = checked(theme.adapt_figure(charts.monthly_active(rows, K), presentation=True))
    assert fig.layout.xaxis.ticktext is None


def test_high_contrast_swaps_the_template_but_keeps_the_meaning_of_colours():
    modules = [{"module": "I", "utilisation": 0.5, "elapsed_share": 0.8},
               {"module": "II", "utilisation": 0.7, "elapsed_share": 0.8}]
    raw = charts.utilisation_by_module(modules)
    before = list(checked(raw).data[0].marker.color)
    fig = checked(theme.adapt_figure(raw, high_contrast=True))
    assert fig.layout.template.layout.font.color == "#000000"
    assert fig.layout.template.layout.yaxis.gridcolor == theme.CONTRAST_GRID
    assert list(fig.data[0].marker.color) == before == [theme.MODULE_COLOURS["I"],
                                                        theme.MODULE_COLOURS["II"]]
    assert theme.contrast_ratio(theme.CONTRAST_GRID) >= 3  # a grid line is a graphic: 3:1


def test_adapt_figure_changes_neither_its_input_nor_the_shared_templates():
    import copy
    import json

    rows = [{"month": "2025-01", "count": 10}, {"month": "2025-02", "count": None}]
    raw = charts.transitions_monthly(rows, K, max_labelled=1)
    raw["layout"]["annotations"] = [{"text": "Hinweis", "font": {"color": theme.TEXT_MUTED}}]
    before = copy.deepcopy(raw)
    templates = json.dumps([theme.template(), theme.template(contrast=True)], sort_keys=True)
    for presentation in (False, True):
        for high_contrast in (False, True):
            out = theme.adapt_figure(raw, presentation=presentation, high_contrast=high_contrast)
            checked(out)
    assert raw == before
    assert json.dumps([theme.template(), theme.template(contrast=True)],
                      sort_keys=True) == templates
    # the contrast theme turned the grey note black in its own copy only
    out = theme.adapt_figure(raw, high_contrast=True)
    assert out["layout"]["annotations"][0]["font"]["color"] == theme.CONTRAST_TEXT
    assert raw["layout"]["annotations"][0]["font"]["color"] == theme.TEXT_MUTED


def test_every_chart_builder_returns_a_figure_plotly_accepts():
    districts = [{"id": "N", "name": "Nord", "active": 12, "per_fte": 3.0},
                 {"id": "S", "name": "Süd", "active": None, "per_fte": None}]
    months = [{"month": "2025-01", "active": 3, "count": 4, "opened": 5, "closed": None,
               "bleiberecht": None, "einbuergerungen": 7}]
    municipalities = [{"ags": "05558012", "name": "Coesfeld", "active": 75, "per_1000": 2.0}]
    staff = [{"staff_id": "CM-1", "active": 9}, {"staff_id": None, "active": None}]
    modules = [{"module": "I", "utilisation": None, "elapsed_share": 0.5}]
    built = [
        charts.active_cases_by_district(districts, K, title="Titel"),
        charts.caseload_per_fte_by_district(districts, K),
        charts.per_1000_by_municipality(municipalities, K),
        charts.active_cases_by_staff(staff, K),
        charts.monthly_active(months, K), charts.transitions_monthly(months, K),
        charts.opened_closed(months, K),
        charts.utilisation_by_module(modules),
        charts.count_bars([], [], min_cell=K), charts.opened_closed([], K),
    ]
    for fig in built:
        shown = checked(fig)
        assert shown.layout.template.layout.font.size == theme.FONT_SIZE
    assert checked(built[0]).layout.title.text == "Titel"
    assert checked(built[1]).layout.title.text is None


def test_graph_config_hides_the_mode_bar_on_a_projector():
    assert theme.graph_config(presentation=True)["displayModeBar"] is False
    assert "displayModeBar" not in theme.graph_config()
    assert theme.graph_config(presentation=True)["locale"] == "de"


def test_describe_names_every_value_in_german():
    districts = [{"id": "N", "name": "Nord", "active": 1234, "per_fte": 1.5},
                 {"id": "S", "name": "Süd", "active": None, "per_fte": None}]
    text = charts.describe(charts.active_cases_by_district(districts, K))
    assert text == f"Aktive Fälle: Nord 1.234, Süd {MARK}."
    # values the chart does not print are taken from the hover text
    text = charts.describe(charts.monthly_active(MONTHS[:3], K, max_labelled=0))
    assert text == "Aktive Fälle am Monatsende: Jan. 2025 411, Feb. 2025 395, März 2025 407."


def test_describe_a_sankey_and_a_matrix():
    from dashboard.components import transition_charts as tc

    flows = [{"from": "GESTATTUNG", "to": "AE_SCHUTZ", "count": 9},
             {"from": "DULDUNG", "to": "AE_25B", "count": None}]
    text = charts.describe(tc.status_sankey(flows, K))
    assert "Aufenthaltsgestattung (Asylverfahren) → Schutzstatus (§ 25 Abs. 1–3) 9" in text
    assert f"→ Nachhaltige Integration (§ 25b) {MARK}" in text
    spheres = [{"from": "SGB2", "to": "SGB3", "count": 12}]
    assert charts.describe(tc.sphere_flow_matrix(spheres, K)) == "SGB II → SGB III 12."


def _drawn(section, view):
    """sections.draw(section, view) in a request of the lowest role (aggregates)."""
    import flask

    from dashboard import sections

    with flask.Flask(__name__).test_request_context():
        flask.g.kim_role = "lenkungsgruppe"
        return sections.draw(section, view, className=sections.SMALL_CLASS)


def _figure_regions(node) -> list:
    from dash import html

    found = []
    if isinstance(node, html.Div) and getattr(node, "role", None) == "figure":
        found.append(node)
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found += _figure_regions(child)
    return found


def _monthly_section():
    from dashboard import sections

    return sections.Section(
        id="demo", page="/x", permission="aggregates", title="Aktive Fälle je Monat",
        caption="Aktive Fälle", query=lambda view: MONTHS[:2], columns=(),
        figure=lambda rows, view: charts.monthly_active(rows, K))


def test_the_registry_draws_the_figure_it_returns_described_and_in_the_modes():
    """The figure on the page is the one sections.figure returns for the View, with the modes
    applied there (nothing rewrites it afterwards): high contrast, presentation, a small chart's
    height on a projector; wrapped in a described figure region named after the heading."""
    import flask
    from dash import dcc

    from dashboard import sections, urlstate

    section = _monthly_section()
    state = urlstate.parse("?praesentation=1&kontrast=hoch", today=date(2025, 11, 15),
                           min_cell=K, districts=set())
    (figure,) = _figure_regions(_drawn(section, state))
    assert figure.__getattribute__("aria-label") == "Diagramm: Aktive Fälle je Monat"
    description, graph = figure.children
    assert figure.__getattribute__("aria-describedby") == description.id == (
        "demo-graph-beschreibung")
    assert description.children == "Aktive Fälle am Monatsende: Jan. 2025 411, Feb. 2025 395."
    assert isinstance(graph, dcc.Graph)
    assert graph.config["displayModeBar"] is False
    shown = checked(graph.figure)
    assert shown.layout.height == sections.PRESENTATION_SMALL_HEIGHT
    assert shown.layout.template.layout.font.color == "#000000"
    with flask.Flask(__name__).test_request_context():
        flask.g.kim_role = "lenkungsgruppe"
        assert graph.figure == sections.figure(section, state, small=True)
        # the builder's own figure is left as it was
        assert graph.figure != charts.monthly_active(MONTHS[:2], K)
        assert sections.figure(section, state) != graph.figure  # not small: its own height
    # the normal view: the builder's figure with the normal template, mode bar for the PNG
    plain = urlstate.parse("", today=date(2025, 11, 15), min_cell=K, districts=set())
    (figure,) = _figure_regions(_drawn(section, plain))
    graph = figure.children[1]
    assert "displayModeBar" not in graph.config
    assert graph.figure["layout"].get("height") == charts.monthly_active(
        MONTHS[:2], K)["layout"].get("height")


def test_the_registry_draws_a_figure_for_paper_at_its_print_size():
    """sections.Paper(480, 0.8): drawn at 480 / 0.8 = 600 px and the figure's own height (or
    400 px without one), shown at zoom 0.8, static, not responsive."""
    import flask

    from dashboard import sections, urlstate

    section = _monthly_section()
    view = urlstate.parse("", today=date(2025, 11, 15), min_cell=K, districts=set())
    paper = sections.Paper(480, 0.8)
    with flask.Flask(__name__).test_request_context():
        flask.g.kim_role = "lenkungsgruppe"
        fig = sections.figure(section, view, paper=paper)
    own = charts.monthly_active(MONTHS[:2], K)["layout"].get("height") or 400
    assert (fig["layout"]["width"], fig["layout"]["height"]) == (600, own)
    assert fig["layout"]["autosize"] is False
    assert sections.Paper(480, 0.8, height=300).size({"layout": {}}) == (600, 300)
    assert sections.Paper(980, 0.7).size({"layout": {}}) == (1400, 400)
    region = sections.graph("g", fig, view, title="T", paper=paper)
    graph = region.children[1]
    assert graph.figure is fig and graph.responsive is False
    assert graph.config["staticPlot"] is True
    assert graph.style == {"width": "600px", "height": f"{own}px", "zoom": 0.8}


def test_filter_bar_names_the_chosen_bezirk_in_a_tooltip_and_gives_long_names_a_row():
    from dashboard import urlstate

    today = date(2025, 11, 15)
    long_name = "Süd (Kirchhörde, Wellinghofen, Hombruch-Löttringhausen)"

    def district_col(districts, search):
        view = urlstate.parse(search, today=today, min_cell=K,
                              districts={d["id"] for d in districts})
        row = filterbar.filter_bar(view, districts, today).children
        (col,) = [c for c in row.children
                  if "kim-filter-district" in (getattr(c, "className", None) or "")]
        return col

    col = district_col([{"id": "NORD", "name": "Nord"}, {"id": "SUED", "name": long_name}],
                       "?bezirk=SUED")
    assert col.children.title == long_name and col.md == 12 and col.lg == "auto"
    col = district_col([{"id": "NORD", "name": "Nord"}], "")
    assert col.children.title == "Alle Bezirke" and col.md == 4


def test_filter_bar_folds_into_one_line_in_presentation_mode():
    from dash import html

    from dashboard import urlstate

    today = date(2025, 11, 15)
    districts = [{"id": "NORD", "name": "Nord"}]
    normal = urlstate.parse("?bezirk=NORD", today=today, min_cell=K, districts={"NORD"})
    bar = filterbar.filter_bar(normal, districts, today, as_of=date(2025, 11, 14))
    assert not isinstance(bar.children, html.Details)
    shown = urlstate.parse("?bezirk=NORD&praesentation=1", today=today, min_cell=K,
                           districts={"NORD"})
    bar = filterbar.filter_bar(shown, districts, today, as_of=date(2025, 11, 14))
    fold = bar.children
    assert isinstance(fold, html.Details) and not getattr(fold, "open", False)
    summary, controls = fold.children
    assert [span.children for span in summary.children] == [
        "Dieses Jahr:", "01.01.–15.11.2025", "Bezirk Nord", "Vergleich: Vorjahr",
        "Filter ändern", "Datenstand: 14.11.2025"]
    # the controls are still there (folded), so the filter callback keeps working
    ids = set()

    def walk(node):
        if getattr(node, "id", None):
            ids.add(node.id)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(controls)
    assert {filterbar.PRESET_ID, filterbar.FROM_ID, filterbar.TO_ID,
            filterbar.DISTRICT_ID} <= ids


@pytest.mark.parametrize("rows,cols,vs,hs",
                         [(3, 1, 0.16, 0.2), (1, 3, 0.3, 0.08), (2, 2, 0.1, 0.14)])
def test_figure_grid_lays_out_cells_as_plotly_make_subplots(rows, cols, vs, hs):
    from plotly.subplots import make_subplots

    from dashboard.components import figure

    titles = [f"T{i}" for i in range(rows * cols)]
    ours = figure.new()
    cells = figure.grid(ours, rows, cols, vertical_spacing=vs, horizontal_spacing=hs,
                        titles=titles)
    theirs = make_subplots(rows=rows, cols=cols, vertical_spacing=vs, horizontal_spacing=hs,
                           subplot_titles=titles).to_plotly_json()["layout"]
    assert [c.x for c in cells] == ["x"] + [f"x{n}" for n in range(2, rows * cols + 1)]
    for cell in cells:
        for key in (cell.xaxis, cell.yaxis):
            assert ours["layout"][key]["domain"] == pytest.approx(list(theirs[key]["domain"]))
            assert ours["layout"][key]["anchor"] == theirs[key]["anchor"]
    for mine, plotlys in zip(ours["layout"]["annotations"], theirs["annotations"], strict=True):
        assert mine["text"] == plotlys["text"]
        assert (mine["x"], mine["y"]) == (pytest.approx(plotlys["x"]), pytest.approx(plotlys["y"]))
        assert (mine["xanchor"], mine["yanchor"]) == (plotlys["xanchor"], plotlys["yanchor"])
    checked(ours)
