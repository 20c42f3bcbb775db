"""The filter bar on every page (period preset, von, bis, Bezirk) and its callback that writes the
choice into the URL query string.

Data flows one way: control → URL (this callback) → router (app_factory) → page and a freshly
rendered filter bar showing what the URL says. So the URL is the single source of truth: reload,
back/forward and a copied link all show the same view.
"""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from queries import filters
from queries.territory import Territory

from .. import format as fmt
from .. import urlstate
from ..data import DataUnavailable
from ..security import text_input

PRESET_ID = "filter-preset"
FROM_ID = "filter-from"
TO_ID = "filter-to"
DISTRICT_ID = "filter-district"
# Names longer than this (characters) do not fit a third of a tablet's row: the Bezirk select
# takes a row of its own below the lg breakpoint.
LONG_DISTRICT_NAME = 28
ALL_DISTRICTS = "alle"


def filter_bar(state: urlstate.View, districts: list[dict] | None, today: date,
               as_of: date | None = None, words: Territory | None = None) -> html.Div:
    """The controls, showing the view of `state`. In presentation mode they fold into one line
    with the period, the Bezirk and the Datenstand `as_of` (the header hides it there). `words`
    (queries/territory.py) names the level: Bezirk or Stadtbezirk."""
    f = state.filter
    words = words or Territory(name="")
    start = words.started_on
    preset = urlstate.preset_of(f, today, start)
    district_options = [{"label": f"Alle {words.districts_word}", "value": ALL_DISTRICTS}]
    district_options += [{"label": d["name"], "value": d["id"]} for d in districts or []]
    # A native select cannot wrap its text: it is as wide as its longest option (app.css), on
    # a narrow screen a row of its own once a name is long, and its box says the chosen name
    # in full as a tooltip (dbc.Select has no title, the labelled box carries it).
    chosen = next((o["label"] for o in district_options
                   if o["value"] == (f.district or ALL_DISTRICTS)), district_options[0]["label"])
    long_names = max(len(o["label"]) for o in district_options) > LONG_DISTRICT_NAME
    controls = dbc.Row(
        [
            dbc.Col(_labelled("Zeitraum", dbc.Select(
                id=PRESET_ID,
                options=[{"label": urlstate.preset_label(key, start), "value": key}
                         for key in urlstate.PRESETS],
                value=preset,
            ), PRESET_ID), md=4, lg="auto"),
            dbc.Col(_labelled("von", _date_input(FROM_ID, f.period_from), FROM_ID),
                    xs=6, md=2, lg="auto", className="kim-filter-date"),
            dbc.Col(_labelled("bis (Stichtag)", _date_input(TO_ID, f.period_to), TO_ID),
                    xs=6, md=2, lg="auto", className="kim-filter-date"),
            dbc.Col(_labelled(words.district_word, dbc.Select(
                id=DISTRICT_ID, options=district_options,
                value=f.district or ALL_DISTRICTS,
                disabled=districts is None,
            ), DISTRICT_ID, title=chosen), md=12 if long_names else 4, lg="auto",
                className="kim-filter-district"),
            dbc.Col(html.Div(
                [html.Span("Gezeigt: ", className="visually-hidden"),
                 fmt.period(f.period_from, f.period_to)],
                className="kim-period-summary", id="kim-period-summary",
            ), lg="auto", className="d-none d-lg-flex align-items-end ms-lg-auto"),
        ],
        # From lg on every control is as wide as its longest option (the preset and Bezirk
        # labels are never cut, assets/app.css) and the row wraps where they do not fit.
        className="g-2 align-items-end kim-filter-row",
    )
    if state.presentation:
        # On a projector the filters fold into one line saying what is shown; a click (or Enter
        # on the focused line) opens the controls.
        names = {d["id"]: d["name"] for d in districts or []}
        scope = (f"Alle {words.districts_word}" if f.district is None
                 else words.district_label(names.get(f.district, f.district)))
        controls = html.Details(
            [
                html.Summary(
                    [*([html.Span(urlstate.PRESETS[preset][0].split(" (")[0] + ":",
                                  className="kim-fold-preset", id="kim-fold-preset")]
                       if preset != urlstate.PRESET_CUSTOM else []),
                     html.Span(fmt.period(f.period_from, f.period_to),
                               className="kim-period-summary"),
                     html.Span(scope),
                     # Said once for all cards (which hide it on a projector); CSS shows it only
                     # on the page with the cards.
                     html.Span(compare_text(f), className="kim-fold-compare",
                               id="kim-fold-compare"),
                     html.Span("Filter ändern", className="kim-filter-fold-action"),
                     html.Span(f"Datenstand: {fmt.day(as_of)}" if as_of else "",
                               className="kim-fold-as-of")],
                    id="kim-filter-summary",
                ),
                controls,
            ],
            className="kim-filter-fold",
        )
    return html.Div(
        controls,
        className="kim-filterbar",
        role="search",
        **{"aria-label": "Filter"},
    )


def compare_text(f: filters.Filter) -> str:
    """What the cards compare with, said once in the folded line (Filter.comparison's rule)."""
    if f.comparison() is None:
        return f"Kein Vorjahresvergleich (Beginn vor {fmt.day(filters.COMPARISON_FROM)})"
    return "Vergleich: Vorjahr"


def _labelled(label: str, control, control_id: str, title: str | None = None) -> html.Div:
    return html.Div([dbc.Label(label, html_for=control_id, className="kim-filter-label mb-0"),
                     control], title=title)


def _date_input(input_id: str, value: date) -> dcc.Input:
    # A text field in German notation rather than the browser's date field, whose notation
    # follows the browser's language (an English browser would show 11/15/2025). Read on Enter
    # or when the field is left (debounce).
    return dcc.Input(
        id=input_id,
        type="text",
        value=fmt.day(value),
        placeholder="TT.MM.JJJJ",
        inputMode="numeric",
        maxLength=10,
        debounce=True,
        required=True,
        autoComplete="off",
        className="form-control",
    )


def next_search(
    trigger: str | None,
    *,
    preset: str | None,
    first: str | None,
    last: str | None,
    district: str | None,
    view: urlstate.View,
    today: date,
    districts: set[str] | None,
    start: date | None = None,
) -> str | None:
    """The query string after a change of the control `trigger`; None when nothing changes.
    `start` is the day "Seit Programmstart" begins (territory.started_on)."""
    state = view
    f = state.filter
    new_from, new_to, new_district = f.period_from, f.period_to, f.district
    if trigger == PRESET_ID:
        if preset not in urlstate.PRESETS or preset == urlstate.PRESET_CUSTOM:
            return None  # "Eigener Zeitraum" only invites typing dates; the view stays
        new_from, new_to = urlstate.preset_period(preset, today, start)
    elif trigger in (FROM_ID, TO_ID):
        day = urlstate.parse_day((first if trigger == FROM_ID else last) or "")
        if day is None or not filters.EARLIEST <= day <= filters.LATEST:
            return None
        if trigger == FROM_ID:
            new_from = day
        else:
            new_to = day
        if new_from > new_to:  # keep the period valid: move the other end along
            new_from, new_to = day, day
    elif trigger == DISTRICT_ID:
        new_district = None if district in (None, "", ALL_DISTRICTS) else district
        if new_district is not None and districts is not None and new_district not in districts:
            return None
    else:
        return None
    # Controls also report their value when the router renders them afresh; only a real change
    # of the view may write the URL (and so add a history entry).
    if (new_from, new_to, new_district) == (f.period_from, f.period_to, f.district):
        return None
    return urlstate.search_for(state, period_from=new_from, period_to=new_to,
                               district=new_district)


def register_callbacks(app, data) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(PRESET_ID, "value"),
        Input(FROM_ID, "value"),
        Input(TO_ID, "value"),
        Input(DISTRICT_ID, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_filter_change(preset, first, last, district, search):
        try:
            known = {d["id"] for d in data.districts()}
            start = data.territory().started_on
        except DataUnavailable:
            known, start = None, None
        # Inputs come from the browser and can be forged: anything but a sane string is "unset".
        new = next_search(
            ctx.triggered_id, preset=text_input(preset), first=text_input(first),
            last=text_input(last), district=text_input(district),
            view=urlstate.read(data, None, search), today=data.today(), districts=known,
            start=start,
        )
        return no_update if new is None else new
