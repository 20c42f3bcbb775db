"""Pure chart and table builders for the Mittelabfluss page: the KPIS.md "budget" object in,
figure dicts (components/figure.py) and German table rows out.

Money arrives as integer cents and is plotted in euros; every label is formatted by
dashboard/format.py. Module colours come from dashboard/theme.py, so module II is the same orange
here as everywhere else.
"""

from __future__ import annotations

import calendar
from datetime import date

from queries import codes

from .. import format as fmt
from .. import theme
from . import figure
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


def _titles_font() -> dict:
    """Subplot titles at the page's text size (plotly's own default is 16 px)."""
    return {"size": theme.FONT_SIZE}


def has_data(budget: dict) -> bool:
    """Whether anything was allocated or booked in the year (else the page says so in words)."""
    return any(m["allocated_cents"] or m["spent_cents"] for m in budget["modules"])


def empty_figure(text: str = EMPTY_TEXT, height: int = 260) -> dict:
    """A figure that says in words that there is nothing to draw."""
    return figure.message(text, height=height)


def plan_cents(module: dict) -> float | None:
    """Where spending would stand if the allocation were spent evenly: elapsed share × allocated."""
    if module["elapsed_share"] is None:
        return None
    return module["elapsed_share"] * module["allocated_cents"]


def module_bullets(budget: dict) -> dict:
    """One bullet per module: allocation as the track, spent as the bar, the projection to year
    end as a paler extension, and a black tick at the plan (elapsed share × allocation).

    A bar that ends left of its tick is behind plan. Each module has its own euro scale, because
    Modul III is a sixth of the others and would otherwise be too short to read.
    """
    if not has_data(budget):
        return empty_figure()
    modules = budget["modules"]
    fig = figure.new(
        height=150 * len(modules) + 120, barmode="overlay",
        legend={"y": -0.12, "traceorder": "normal"},
        margin={"l": 10, "r": 30, "t": 60, "b": 10},
    )
    cells = figure.grid(
        fig, len(modules), 1, vertical_spacing=0.16,
        titles=[f"{module_label(m['module'])} – {codes.MODULES[m['module']]}" for m in modules],
        title_font=_titles_font(),
    )
    for cell, m in zip(cells, modules, strict=True):
        name = module_label(m["module"])
        colour = theme.MODULE_COLOURS[m["module"]]
        allocated, spent, projected = m["allocated_cents"], m["spent_cents"], m["projected_cents"]
        figure.add(fig, {
            "type": "bar", "x": [_eur(allocated)], "y": [name], "orientation": "h", "width": 0.8,
            "marker": {"color": TRACK}, "name": "Bewilligt", "showlegend": False,
            "hovertemplate": f"Bewilligt: {fmt.euro(allocated)}<extra>{name}</extra>",
        }, cell)
        if projected is not None and projected > spent:
            figure.add(fig, {
                "type": "bar", "x": [_eur(projected - spent)], "base": [_eur(spent)],
                "y": [name], "orientation": "h", "width": 0.4,
                "marker": {"color": colour, "opacity": PROJECTION_OPACITY},
                "name": "Hochrechnung bis Jahresende", "showlegend": False,
                "hovertemplate": f"Hochrechnung: {fmt.euro(projected)}<extra>{name}</extra>",
            }, cell)
        spent_text = f"{fmt.euro(spent)} ({fmt.percent(m['utilisation'])})"
        figure.add(fig, {
            "type": "bar", "x": [_eur(spent)], "y": [name], "orientation": "h", "width": 0.4,
            "marker": {"color": colour}, "name": "Ausgegeben", "showlegend": False,
            "text": [spent_text], "textposition": "auto", "insidetextanchor": "end",
            "insidetextfont": {"size": theme.FONT_SIZE, "color": theme.text_on(colour)},
            "outsidetextfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
            "cliponaxis": False,
            "hovertemplate": f"Ausgegeben: {spent_text}<extra>{name}</extra>",
        }, cell)
        plan = plan_cents(m)
        if plan is not None:
            figure.add(fig, {
                "type": "scatter", "x": [_eur(plan)], "y": [name], "mode": "markers",
                "marker": {"symbol": "line-ns", "size": 54,
                           "line": {"width": 5, "color": ALLOCATION_LINE}},
                "name": "Plan", "showlegend": False,
                "hovertemplate": (
                    f"Plan: {fmt.euro(round(plan))} ({fmt.percent(m['elapsed_share'])} des "
                    f"Jahres)<extra>{name}</extra>"
                ),
            }, cell)
        top = max(allocated, spent, projected or 0, 1)
        figure.axis(fig, "x", cell).update(range=[0, _eur(top) * 1.08], tickformat=",.0f",
                                           ticksuffix=" €")
        figure.axis(fig, "y", cell).update(showticklabels=False, showgrid=False)
    _bullet_legend(fig)
    return fig


def _bullet_legend(fig: dict) -> None:
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
        figure.add(fig, {"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                         "name": name, "marker": {"size": 16, **marker}, "hoverinfo": "skip"})


def _day_of_year(day: date) -> int:
    return (day - date(day.year, 1, 1)).days + 1


def cumulative_spend(budget: dict, as_of: date) -> dict:
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
    fig = figure.new(height=420, legend={"y": -0.2})
    cells = figure.grid(fig, 1, len(modules), horizontal_spacing=0.08,
                        titles=[module_label(m["module"]) for m in modules],
                        title_font=_titles_font())
    tickvals = [_day_of_year(date(year, month, 1)) for month in range(1, 13)]
    ticktext = [fmt.MONTHS_SHORT[month - 1] for month in range(1, 13)]
    for col, (cell, m) in enumerate(zip(cells, modules, strict=True), start=1):
        name = module_label(m["module"])
        colour = theme.MODULE_COLOURS[m["module"]]
        figure.add(fig, {
            "type": "scatter", "x": [0, days_in_year], "y": [0, _eur(m["allocated_cents"])],
            "mode": "lines", "line": {"color": ALLOCATION_LINE, "dash": "dash", "width": 2},
            "name": "Gleichmäßiger Abfluss bis zur Bewilligung", "legendgroup": "plan",
            "showlegend": col == 1,
            "hovertemplate": f"Bewilligt: {fmt.euro(m['allocated_cents'])}<extra>{name}</extra>",
        }, cell)
        points = m["monthly_spent_cents"]
        xs = []
        for p in points:
            y_, mon = (int(part) for part in p["month"].split("-"))
            end = date(y_, mon, calendar.monthrange(y_, mon)[1])
            xs.append(_day_of_year(min(end, as_of)))
        texts = [""] * len(points)
        if points:
            texts[-1] = fmt.euro(points[-1]["cumulative_cents"])
        figure.add(fig, {
            "type": "scatter", "x": xs, "y": [_eur(p["cumulative_cents"]) for p in points],
            "mode": "lines+markers+text", "line": {"color": colour, "width": 4},
            "marker": {"size": 9}, "text": texts, "textposition": "top left",
            "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
            "name": "Ausgaben kumuliert", "legendgroup": "spent", "showlegend": col == 1,
            "customdata": [fmt.month_long(p["month"]) for p in points],
            "hovertemplate": "%{customdata}: %{y:,.0f} €<extra>" + name + "</extra>",
        }, cell)
        figure.axis(fig, "x", cell).update(range=[0, days_in_year + 1], tickvals=tickvals[::3],
                                           ticktext=ticktext[::3])
        figure.axis(fig, "y", cell).update(rangemode="tozero", tickformat=",.0f",
                                           ticksuffix=" €")
    return fig


def category_spend(budget: dict) -> dict:
    """Allocated (pale) and spent (module colour) per category, one panel per module.

    A panel lists only the categories with an allocation or a booking: Modul II funds only
    staff, and four empty rows would hide that. The table beside the chart lists all five.
    """
    if not has_data(budget):
        return empty_figure()
    modules = budget["modules"]
    fig = figure.new(height=380, barmode="overlay", legend={"y": -0.12})
    cells = figure.grid(fig, 1, len(modules), horizontal_spacing=0.14,
                        titles=[module_label(m["module"]) for m in modules],
                        title_font=_titles_font())
    for col, (cell, m) in enumerate(zip(cells, modules, strict=True), start=1):
        colour = theme.MODULE_COLOURS[m["module"]]
        shown = [c for c in m["categories"] if c["allocated_cents"] or c["spent_cents"]]
        figure.add(fig, {
            "type": "bar", "y": [codes.CATEGORIES[c["category"]] for c in shown],
            "x": [_eur(c["allocated_cents"]) for c in shown], "orientation": "h",
            "marker": {"color": TRACK}, "width": 0.8, "name": "Bewilligt",
            "legendgroup": "allocated", "showlegend": col == 1,
            "customdata": [fmt.euro(c["allocated_cents"]) for c in shown],
            "hovertemplate": "%{y}: bewilligt %{customdata}<extra></extra>",
        }, cell)
        figure.add(fig, {
            "type": "bar", "y": [codes.CATEGORIES[c["category"]] for c in shown],
            "x": [_eur(c["spent_cents"]) for c in shown], "orientation": "h",
            "marker": {"color": colour}, "width": 0.45, "name": "Ausgegeben",
            "legendgroup": "spent", "showlegend": col == 1,
            "text": [fmt.euro(c["spent_cents"]) for c in shown],
            "textposition": "outside", "cliponaxis": False,
            "textfont": {"size": theme.FONT_SIZE - 2, "color": theme.TEXT},
            "hovertemplate": "%{y}: ausgegeben %{text}<extra></extra>",
        }, cell)
        top = max([max(c["allocated_cents"], c["spent_cents"]) for c in shown] or [1])
        figure.axis(fig, "x", cell).update(range=[0, _eur(top) * 1.35], showticklabels=False)
        figure.axis(fig, "y", cell)["autorange"] = "reversed"
    return fig


def staffing(budget: dict) -> dict:
    """Approved against filled full-time equivalents per module (VZÄ), values printed."""
    modules = budget["modules"]
    if not any(m["fte_approved"] or m["fte_filled"] for m in modules):
        return empty_figure("Am Stichtag sind keine Stellen bewilligt oder besetzt.")
    top = max(max(m["fte_approved"], m["fte_filled"]) for m in modules)
    return figure.new(
        [
            {
                "type": "bar", "x": [module_label(m["module"]) for m in modules],
                "y": [m["fte_approved"] for m in modules], "name": "Bewilligt",
                "marker": {"color": TRACK, "line": {"color": theme.TEXT_MUTED, "width": 1}},
                "text": [fmt.number(m["fte_approved"], 2) for m in modules],
                "textposition": "outside", "cliponaxis": False,
                "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
                "hovertemplate": "%{x}: %{text} VZÄ bewilligt<extra></extra>",
            },
            {
                "type": "bar", "x": [module_label(m["module"]) for m in modules],
                "y": [m["fte_filled"] for m in modules], "name": "Besetzt",
                "marker": {"color": [theme.MODULE_COLOURS[m["module"]] for m in modules]},
                "text": [fmt.number(m["fte_filled"], 2) for m in modules],
                "textposition": "outside", "cliponaxis": False,
                "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
                "hovertemplate": "%{x}: %{text} VZÄ besetzt<extra></extra>",
            },
        ],
        height=360, barmode="group",
        yaxis={"title": {"text": "Vollzeitäquivalente"}, "range": [0, top * 1.2]},
    )


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


def repayment(budget: dict) -> dict:
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
    span = max(abs(v) for v in values if v is not None) or 1
    low = min(0, min(v for v in values if v is not None))
    high = max(0, max(v for v in values if v is not None))
    bar = {
        "type": "bar", "y": [r["label"] for r in rows], "x": values, "orientation": "h",
        "marker": {"color": colours},
        "text": [repayment_text(r["cents"]) for r in rows], "textposition": "outside",
        "cliponaxis": False, "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    return figure.new(
        [bar], height=300, showlegend=False,
        # Room for the printed text on both sides of zero.
        xaxis={"range": [low - span * 0.6 if low < 0 else 0, high + span * 0.6],
               "tickformat": ",.0f", "ticksuffix": " €", "zeroline": True, "zerolinewidth": 2},
        yaxis={"autorange": "reversed"},
    )


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
