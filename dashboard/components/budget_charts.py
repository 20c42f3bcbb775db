"""Pure chart and table builders for the Mittelabfluss page: the KPIS.md "budget" object in,
plotly figures and German table rows out.

Money arrives as integer cents and is plotted in euros; every label is formatted by
dashboard/format.py. Module colours come from dashboard/theme.py, so module II is the same orange
here as everywhere else.
"""

from __future__ import annotations

import calendar
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from queries import codes

from .. import format as fmt
from .. import theme
from .tables import Column

# Colours of the parts of a bullet: the allocation is the pale track every bar runs in.
TRACK = "#E3E3E3"
# The projection is the module colour, paler: same meaning, "not yet happened".
PROJECTION_OPACITY = 0.35
REPAYMENT = theme.CHANGE_UP  # money likely going back to the Land
OVERSPEND = theme.CHANGE_DOWN  # more spent than allocated
ALLOCATION_LINE = theme.REFERENCE

EMPTY_TEXT = "Für dieses Haushaltsjahr sind weder Bewilligungen noch Ausgaben erfasst."


def module_label(module: str) -> str:
    return f"Modul {module}"


def _eur(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _base_layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(template=theme.register_template(), height=height)
    return fig


def has_data(budget: dict) -> bool:
    """Whether anything was allocated or booked in the year (else the page says so in words)."""
    return any(m["allocated_cents"] or m["spent_cents"] for m in budget["modules"])


def empty_figure(text: str = EMPTY_TEXT, height: int = 260) -> go.Figure:
    """A figure that says in words that there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(
        text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": theme.FONT_SIZE + 2, "color": theme.TEXT_MUTED},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, height)


def plan_cents(module: dict) -> float | None:
    """Where spending would stand if the allocation were spent evenly: elapsed share × allocated."""
    if module["elapsed_share"] is None:
        return None
    return module["elapsed_share"] * module["allocated_cents"]


def module_bullets(budget: dict) -> go.Figure:
    """One bullet per module: allocation as the track, spent as the bar, the projection to year
    end as a paler extension, and a black tick at the plan (elapsed share × allocation).

    A bar that ends left of its tick is behind plan. Each module has its own euro scale, because
    Modul III is a sixth of the others and would otherwise be too short to read.
    """
    if not has_data(budget):
        return empty_figure()
    modules = budget["modules"]
    fig = make_subplots(
        rows=len(modules), cols=1, vertical_spacing=0.16,
        subplot_titles=[f"{module_label(m['module'])} – {codes.MODULES[m['module']]}"
                        for m in modules],
    )
    for row, m in enumerate(modules, start=1):
        name = module_label(m["module"])
        colour = theme.MODULE_COLOURS[m["module"]]
        y = [name]
        allocated, spent, projected = m["allocated_cents"], m["spent_cents"], m["projected_cents"]
        fig.add_trace(
            go.Bar(
                x=[_eur(allocated)], y=y, orientation="h", width=0.8, marker_color=TRACK,
                name="Bewilligt", showlegend=False,
                hovertemplate=f"Bewilligt: {fmt.euro(allocated)}<extra>{name}</extra>",
            ),
            row=row, col=1,
        )
        if projected is not None and projected > spent:
            fig.add_trace(
                go.Bar(
                    x=[_eur(projected - spent)], base=[_eur(spent)], y=y, orientation="h",
                    width=0.4, marker={"color": colour, "opacity": PROJECTION_OPACITY},
                    name="Hochrechnung bis Jahresende", showlegend=False,
                    hovertemplate=(
                        f"Hochrechnung: {fmt.euro(projected)}<extra>{name}</extra>"
                    ),
                ),
                row=row, col=1,
            )
        spent_text = f"{fmt.euro(spent)} ({fmt.percent(m['utilisation'])})"
        fig.add_trace(
            go.Bar(
                x=[_eur(spent)], y=y, orientation="h", width=0.4, marker_color=colour,
                name="Ausgegeben", showlegend=False,
                text=[spent_text], textposition="auto", insidetextanchor="end",
                insidetextfont={"size": theme.FONT_SIZE, "color": theme.text_on(colour)},
                outsidetextfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
                cliponaxis=False,
                hovertemplate=f"Ausgegeben: {spent_text}<extra>{name}</extra>",
            ),
            row=row, col=1,
        )
        plan = plan_cents(m)
        if plan is not None:
            fig.add_trace(
                go.Scatter(
                    x=[_eur(plan)], y=y, mode="markers",
                    marker={"symbol": "line-ns", "size": 54,
                            "line": {"width": 5, "color": ALLOCATION_LINE}},
                    name="Plan", showlegend=False,
                    hovertemplate=(
                        f"Plan: {fmt.euro(round(plan))} ({fmt.percent(m['elapsed_share'])} des "
                        f"Jahres)<extra>{name}</extra>"
                    ),
                ),
                row=row, col=1,
            )
        top = max(allocated, spent, projected or 0, 1)
        fig.update_xaxes(range=[0, _eur(top) * 1.08], tickformat=",.0f", ticksuffix=" €",
                         row=row, col=1)
        fig.update_yaxes(showticklabels=False, showgrid=False, row=row, col=1)
    _bullet_legend(fig)
    fig.update_layout(barmode="overlay", legend={"y": -0.12, "traceorder": "normal"},
                      margin={"l": 10, "r": 30, "t": 60, "b": 10})
    fig.update_annotations(font={"size": theme.FONT_SIZE})
    return _base_layout(fig, 150 * len(modules) + 120)


def _bullet_legend(fig: go.Figure) -> None:
    """Legend entries in neutral grey: the bars themselves carry three module colours, and a
    legend in Modul I's blue would suggest the others mean something else."""
    entries = [
        ("Bewilligt", {"color": TRACK, "symbol": "square"}),
        ("Ausgegeben", {"color": theme.TEXT_MUTED, "symbol": "square"}),
        ("Hochrechnung bis Jahresende",
         {"color": theme.TEXT_MUTED, "opacity": PROJECTION_OPACITY, "symbol": "square"}),
        ("Plan: Anteil des Jahres vergangen",
         {"color": ALLOCATION_LINE, "symbol": "line-ns", "line": {"width": 4,
                                                                  "color": ALLOCATION_LINE}}),
    ]
    for name, marker in entries:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"size": 16, **marker}, hoverinfo="skip"))


def _day_of_year(day: date) -> int:
    return (day - date(day.year, 1, 1)).days + 1


def cumulative_spend(budget: dict, as_of: date) -> go.Figure:
    """Cumulative spend per module month by month (one panel per module), against the straight
    line from nothing on 1 January to the whole allocation on 31 December.

    Each month's point sits on the month's last day, or on `as_of` for the month containing it,
    since that month's total runs only up to `as_of` (KPIS.md). The x axis counts days of the
    year so the plan line is really straight.
    """
    if not has_data(budget):
        return empty_figure()
    year = budget["year"]
    days_in_year = 366 if calendar.isleap(year) else 365
    modules = budget["modules"]
    fig = make_subplots(rows=1, cols=len(modules), horizontal_spacing=0.08,
                        subplot_titles=[module_label(m["module"]) for m in modules])
    tickvals = [_day_of_year(date(year, month, 1)) for month in range(1, 13)]
    ticktext = [fmt.MONTHS_SHORT[month - 1] for month in range(1, 13)]
    for col, m in enumerate(modules, start=1):
        name = module_label(m["module"])
        colour = theme.MODULE_COLOURS[m["module"]]
        fig.add_trace(
            go.Scatter(
                x=[0, days_in_year], y=[0, _eur(m["allocated_cents"])], mode="lines",
                line={"color": ALLOCATION_LINE, "dash": "dash", "width": 2},
                name="Gleichmäßiger Abfluss bis zur Bewilligung", legendgroup="plan",
                showlegend=col == 1,
                hovertemplate=f"Bewilligt: {fmt.euro(m['allocated_cents'])}<extra>{name}</extra>",
            ),
            row=1, col=col,
        )
        points = m["monthly_spent_cents"]
        xs = []
        for p in points:
            y_, mon = (int(part) for part in p["month"].split("-"))
            end = date(y_, mon, calendar.monthrange(y_, mon)[1])
            xs.append(_day_of_year(min(end, as_of)))
        texts = [""] * len(points)
        if points:
            texts[-1] = fmt.euro(points[-1]["cumulative_cents"])
        fig.add_trace(
            go.Scatter(
                x=xs, y=[_eur(p["cumulative_cents"]) for p in points],
                mode="lines+markers+text", line={"color": colour, "width": 4},
                marker={"size": 9}, text=texts, textposition="top left",
                textfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
                name="Ausgaben kumuliert", legendgroup="spent", showlegend=col == 1,
                customdata=[fmt.month_long(p["month"]) for p in points],
                hovertemplate="%{customdata}: %{y:,.0f} €<extra>" + name + "</extra>",
            ),
            row=1, col=col,
        )
        fig.update_xaxes(range=[0, days_in_year + 1], tickvals=tickvals[::3],
                         ticktext=ticktext[::3], row=1, col=col)
        fig.update_yaxes(rangemode="tozero", tickformat=",.0f", ticksuffix=" €", row=1, col=col)
    fig.update_layout(legend={"y": -0.2})
    fig.update_annotations(font={"size": theme.FONT_SIZE})
    return _base_layout(fig, 420)


def category_spend(budget: dict) -> go.Figure:
    """Allocated (pale) and spent (module colour) per category, one panel per module.

    A panel lists only the categories with an allocation or a booking: Modul II funds only
    staff, and four empty rows would hide that. The table beside the chart lists all five.
    """
    if not has_data(budget):
        return empty_figure()
    modules = budget["modules"]
    fig = make_subplots(rows=1, cols=len(modules), horizontal_spacing=0.14,
                        subplot_titles=[module_label(m["module"]) for m in modules])
    for col, m in enumerate(modules, start=1):
        colour = theme.MODULE_COLOURS[m["module"]]
        shown = [c for c in m["categories"] if c["allocated_cents"] or c["spent_cents"]]
        labels = [codes.CATEGORIES[c["category"]] for c in shown]
        fig.add_trace(
            go.Bar(
                y=labels, x=[_eur(c["allocated_cents"]) for c in shown], orientation="h",
                marker_color=TRACK, width=0.8, name="Bewilligt", legendgroup="allocated",
                showlegend=col == 1,
                customdata=[fmt.euro(c["allocated_cents"]) for c in shown],
                hovertemplate="%{y}: bewilligt %{customdata}<extra></extra>",
            ),
            row=1, col=col,
        )
        fig.add_trace(
            go.Bar(
                y=labels, x=[_eur(c["spent_cents"]) for c in shown], orientation="h",
                marker_color=colour, width=0.45, name="Ausgegeben", legendgroup="spent",
                showlegend=col == 1, text=[fmt.euro(c["spent_cents"]) for c in shown],
                textposition="outside", cliponaxis=False,
                textfont={"size": theme.FONT_SIZE - 2, "color": theme.TEXT},
                hovertemplate="%{y}: ausgegeben %{text}<extra></extra>",
            ),
            row=1, col=col,
        )
        top = max([max(c["allocated_cents"], c["spent_cents"]) for c in shown] or [1])
        fig.update_xaxes(range=[0, _eur(top) * 1.35], showticklabels=False, row=1, col=col)
        fig.update_yaxes(autorange="reversed", row=1, col=col)
    fig.update_layout(barmode="overlay", legend={"y": -0.12})
    fig.update_annotations(font={"size": theme.FONT_SIZE})
    return _base_layout(fig, 380)


def staffing(budget: dict) -> go.Figure:
    """Approved against filled full-time equivalents per module (VZÄ), values printed."""
    modules = budget["modules"]
    if not any(m["fte_approved"] or m["fte_filled"] for m in modules):
        return empty_figure("Am Stichtag sind keine Stellen bewilligt oder besetzt.")
    x = [module_label(m["module"]) for m in modules]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x, y=[m["fte_approved"] for m in modules], name="Bewilligt",
            marker={"color": TRACK, "line": {"color": theme.TEXT_MUTED, "width": 1}},
            text=[fmt.number(m["fte_approved"], 2) for m in modules], textposition="outside",
            cliponaxis=False, textfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
            hovertemplate="%{x}: %{text} VZÄ bewilligt<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=x, y=[m["fte_filled"] for m in modules], name="Besetzt",
            marker_color=[theme.MODULE_COLOURS[m["module"]] for m in modules],
            text=[fmt.number(m["fte_filled"], 2) for m in modules], textposition="outside",
            cliponaxis=False, textfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
            hovertemplate="%{x}: %{text} VZÄ besetzt<extra></extra>",
        )
    )
    top = max(max(m["fte_approved"], m["fte_filled"]) for m in modules)
    fig.update_layout(barmode="group", yaxis={"title": {"text": "Vollzeitäquivalente"},
                                              "range": [0, top * 1.2]})
    return _base_layout(fig, 360)


def repayment_rows(budget: dict) -> list[dict]:
    """Projected unspent money per module and in total: positive goes back to the Land,
    negative is an overspend. None where nothing can be projected yet (a future year)."""
    rows = [
        {"label": module_label(m["module"]), "module": m["module"],
         "cents": m["projected_unspent_cents"]}
        for m in budget["modules"]
    ]
    known = [r["cents"] for r in rows if r["cents"] is not None]
    total = sum(known) if known else None
    rows.append({"label": "Gesamt", "module": None, "cents": total})
    return rows


def repayment_text(cents: int | None) -> str:
    if cents is None:
        return "noch keine Hochrechnung"
    if cents > 0:
        return f"{fmt.euro(cents)} Rückzahlung"
    if cents < 0:
        return f"{fmt.euro(-cents)} Mehrausgabe"
    return "ausgeglichen"


def repayment(budget: dict) -> go.Figure:
    """Likely repayment to the Land (right, blue) or overspend (left, dark orange) per module
    and in total, at the current rate of spending."""
    rows = repayment_rows(budget)
    if not has_data(budget) or rows[-1]["cents"] is None:
        return empty_figure("Für ein Haushaltsjahr, das noch nicht begonnen hat, gibt es keine "
                            "Hochrechnung.")
    values = [_eur(r["cents"]) for r in rows]
    colours = [
        theme.TEXT_MUTED if r["cents"] is None else REPAYMENT if r["cents"] >= 0 else OVERSPEND
        for r in rows
    ]
    fig = go.Figure(
        go.Bar(
            y=[r["label"] for r in rows], x=values, orientation="h", marker_color=colours,
            text=[repayment_text(r["cents"]) for r in rows], textposition="outside",
            cliponaxis=False, textfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    span = max(abs(v) for v in values if v is not None) or 1
    low = min(0, min(v for v in values if v is not None))
    high = max(0, max(v for v in values if v is not None))
    # Room for the printed text on both sides of zero.
    fig.update_xaxes(range=[low - span * 0.6 if low < 0 else 0, high + span * 0.6],
                     tickformat=",.0f", ticksuffix=" €", zeroline=True, zerolinewidth=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False)
    return _base_layout(fig, 300)


# ---- tables beside the charts: raw rows and their columns for components.tables.data_table,
# which formats them with dashboard/format.py and sorts by the raw values ----

MODULE_COLUMNS = (
    Column("module_label", "Modul"),
    Column("allocated_cents", "Bewilligt", "euro"),
    Column("spent_cents", "Ausgegeben", "euro"),
    Column("utilisation", "Abfluss", "percent"),
    Column("elapsed_share", "Jahr vergangen", "percent"),
    Column("projected_cents", "Hochrechnung Jahresende", "euro"),
    Column("projected_unspent_cents", "Rückzahlung (+) / Mehrausgabe (−)", "euro"),
    Column("received_cents", "Einnahmen vom Land", "euro"),
)
CATEGORY_COLUMNS = (
    Column("module_label", "Modul"),
    Column("category_label", "Kategorie"),
    Column("allocated_cents", "Bewilligt", "euro"),
    Column("spent_cents", "Ausgegeben", "euro"),
)
STAFFING_COLUMNS = (
    Column("module_label", "Modul"),
    Column("fte_approved", "VZÄ bewilligt", "number", 2),
    Column("fte_filled", "VZÄ besetzt", "number", 2),
    Column("fte_vacant", "VZÄ unbesetzt", "number", 2),
)
REPAYMENT_COLUMNS = (
    Column("label", "Modul"),
    Column("text", "Voraussichtlich"),
    Column("cents", "Betrag (+ Rückzahlung, − Mehrausgabe)", "euro"),
)


def monthly_columns(budget: dict) -> tuple[Column, ...]:
    return (Column("month", "Monat", "month"),
            *(Column(m["module"], f"{module_label(m['module'])} kumuliert", "euro")
              for m in budget["modules"]))


def module_rows(budget: dict) -> list[dict]:
    return [{**m, "module_label": module_label(m["module"])} for m in budget["modules"]]


def monthly_rows(budget: dict) -> list[dict]:
    """Cumulative spend per month, one field per module code."""
    by_month: dict[str, dict] = {}
    for m in budget["modules"]:
        for p in m["monthly_spent_cents"]:
            by_month.setdefault(p["month"], {"month": p["month"]})[m["module"]] = (
                p["cumulative_cents"]
            )
    return [by_month[key] for key in sorted(by_month)]


def category_rows(budget: dict) -> list[dict]:
    """Every category of every module (all five, zeros included)."""
    return [
        {"module_label": module_label(m["module"]),
         "category_label": codes.CATEGORIES[c["category"]], **c}
        for m in budget["modules"]
        for c in m["categories"]
    ]


def staffing_rows(budget: dict) -> list[dict]:
    return [
        {"module_label": module_label(m["module"]), "fte_approved": m["fte_approved"],
         "fte_filled": m["fte_filled"],
         "fte_vacant": round(max(m["fte_approved"] - m["fte_filled"], 0.0), 2)}
        for m in budget["modules"]
    ]


def repayment_table_rows(budget: dict) -> list[dict]:
    return [{**r, "text": repayment_text(r["cents"])} for r in repayment_rows(budget)]
