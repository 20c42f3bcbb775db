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
FORFEIT = theme.CHANGE_DOWN  # Land money the Kreis will likely not be able to use
RECEIVED = theme.REFERENCE  # what the Land has paid so far
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
        plan = m["plan_cents"]
        if plan is not None:
            figure.add(fig, {
                "type": "scatter", "x": [_eur(plan)], "y": [name], "mode": "markers",
                "marker": {"symbol": "line-ns", "size": 54,
                           "line": {"width": 5, "color": ALLOCATION_LINE}},
                "name": "Plan", "showlegend": False,
                "hovertemplate": (
                    f"Plan: {fmt.euro(plan)} ({fmt.percent(m['elapsed_share'])} des "
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


ASSUMPTION = (
    "Annahme: Personal- und Sachkosten werden anteilig zur Stellenbesetzung gefördert, die übrigen "
    "Zuschüsse bis zur Höhe der Ausgaben; maßgeblich ist der Förderbescheid."
)


def is_final(budget: dict) -> bool:
    """A finished budget year: the Land figures are final, not projected."""
    modules = budget["modules"]
    return bool(modules) and modules[0]["elapsed_share"] == 1


def is_projected(budget: dict) -> bool:
    """Whether the Land figures exist yet (not for a year that has not begun)."""
    return budget["total"]["land_earned_projected_cents"] is not None


def land_words(budget: dict) -> dict[str, str]:
    """The words for the Land figures: final for a past year, "voraussichtlich" otherwise."""
    if is_final(budget):
        return {"earned": "abgerufen", "forfeit": "verfallen",
                "repay": "zurückzuzahlen"}
    return {"earned": "voraussichtlich abgerufen", "forfeit": "voraussichtlich verfallen",
            "repay": "voraussichtlich zurückzuzahlen"}


def repayment_text(cents: int | None) -> str:
    if cents is None:
        return "noch keine Hochrechnung"
    if cents > 0:
        return f"{fmt.euro(cents)} zurückzuzahlen"
    return "nichts zurückzuzahlen"


def land_funds(budget: dict) -> dict:
    """The Land's money per module: what it granted, split into what the Kreis will earn
    (module colour) and what it will forfeit (dark orange, hatched); a black diamond at what the
    Land has paid so far, and beside each bar the part of it that goes back."""
    if not has_data(budget) or not is_projected(budget):
        return empty_figure("Für ein Haushaltsjahr, das noch nicht begonnen hat, gibt es keine "
                            "Hochrechnung der Landesmittel.")
    words = land_words(budget)
    modules = budget["modules"]
    names = [module_label(m["module"]) for m in modules]
    earned = [m["land_earned_projected_cents"] for m in modules]
    forfeit = [m["land_forfeit_projected_cents"] for m in modules]
    received = [m["received_cents"] for m in modules]
    tops = [max(m["land_cents"], m["received_cents"], 0) for m in modules]
    top = max([*tops, 1])
    bars = [
        {"type": "bar", "y": names, "x": [_eur(c) for c in earned], "orientation": "h",
         "name": f"Landesmittel {words['earned']}", "showlegend": False,
         "marker": {"color": [theme.MODULE_COLOURS[m["module"]] for m in modules]},
         "text": [fmt.euro(c) for c in earned], "textposition": "inside",
         "insidetextanchor": "middle",
         "insidetextfont": {"size": theme.FONT_SIZE, "color": [
             theme.text_on(theme.MODULE_COLOURS[m["module"]]) for m in modules]},
         "customdata": [fmt.euro(c) for c in earned],
         "hovertemplate": f"%{{y}}: {words['earned']} %{{customdata}}<extra></extra>"},
        # nothing forfeited: no segment at all (rather than one of zero width)
        {"type": "bar", "y": names, "x": [_eur(c) if c else None for c in forfeit],
         "orientation": "h", "text": [fmt.euro(c) for c in forfeit], "textposition": "inside",
         "insidetextanchor": "middle",
         "insidetextfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
         "name": f"Landesmittel {words['forfeit']}",
         # hatched and outlined: money that is granted but not drawn (distinct from Modul
         # II's orange, also without colour)
         "marker": {"color": "#FFFFFF", "line": {"color": FORFEIT, "width": 2},
                    "pattern": {"shape": "/", "fgcolor": FORFEIT, "bgcolor": "#FFFFFF",
                                "size": 10, "solidity": 0.2}},
         "customdata": [fmt.euro(c) for c in forfeit],
         "hovertemplate": f"%{{y}}: {words['forfeit']} %{{customdata}}<extra></extra>"},
        {"type": "scatter", "y": names, "x": [_eur(c) for c in received], "mode": "markers",
         "name": "vom Land bereits erhalten",
         "marker": {"symbol": "diamond", "size": 16, "color": RECEIVED,
                    "line": {"color": "#FFFFFF", "width": 2}},
         "customdata": [fmt.euro(c) for c in received],
         "hovertemplate": "%{y}: bereits erhalten %{customdata}<extra></extra>"},
        {"type": "scatter", "y": names, "x": [_eur(t) + _eur(top) * 0.02 for t in tops],
         "mode": "text",
         "text": [repayment_text(m["repayment_projected_cents"]) for m in modules],
         "textposition": "middle right", "cliponaxis": False, "showlegend": False,
         "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT}, "hoverinfo": "skip"},
    ]
    # Legend in neutral grey for the earned part: the bars carry three module colours.
    bars.insert(1, {"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                    "name": f"Landesmittel {words['earned']}", "hoverinfo": "skip",
                    "marker": {"size": 16, "symbol": "square", "color": theme.TEXT_MUTED}})
    return figure.new(
        bars, height=130 * len(modules) + 130, barmode="stack",
        legend={"y": -0.18, "traceorder": "normal"},
        margin={"l": 10, "r": 20, "t": 20, "b": 10},
        # Room right of the longest bar for "… zurückzuzahlen".
        xaxis={"range": [0, _eur(top) * 1.55], "tickformat": ",.0f", "ticksuffix": " €"},
        yaxis={"autorange": "reversed"},
    )


def land_summary_text(budget: dict) -> str:
    """The Land's side in one sentence (page, print report, screen readers)."""
    total = budget["total"]
    if not is_projected(budget):
        return (f"Landesmittel bewilligt: {fmt.euro(total['land_cents'])}; für ein Haushaltsjahr, "
                "das noch nicht begonnen hat, gibt es keine Hochrechnung.")
    words = land_words(budget)
    repay = total["repayment_projected_cents"]
    parts = [
        f"Landesmittel bewilligt {fmt.euro(total['land_cents'])}, davon "
        f"{words['earned']} {fmt.euro(total['land_earned_projected_cents'])} und "
        f"{words['forfeit']} {fmt.euro(total['land_forfeit_projected_cents'])}",
        f"vom Land bereits erhalten {fmt.euro(total['received_cents'])}, davon "
        + (f"{words['repay']} {fmt.euro(repay)}" if repay else "nichts zurückzuzahlen"),
    ]
    return "; ".join(parts) + f". Eigenanteil: {fmt.euro(total['own_share_cents'])}."


def vacancy_text(budget: dict) -> str:
    """Which module's posts are vacant in the year and for how many FTE-months."""
    vacant = [m for m in budget["modules"] if _vacant_months(m) > 0]
    year = budget["year"]
    if not any(m["fte_months_approved"] for m in budget["modules"]):
        return f"Für {year} sind keine Stellen bewilligt."
    if not vacant:
        return f"Alle bewilligten Stellen sind {year} durchgehend besetzt."
    parts = [
        f"{module_label(m['module'])} {fmt.number(_vacant_months(m), 1)} VZÄ-Monate "
        f"(besetzt {fmt.percent(m['occupancy_share'])})"
        for m in vacant
    ]
    return (f"Unbesetzte Stellen {year} (laut Stellen- und Personaldaten, bis Jahresende): "
            + ", ".join(parts) + ".")


def _vacant_months(module: dict) -> float:
    # One decimal is what the page shows; below 0.05 FTE-months nothing worth a sentence.
    value = module["fte_months_vacant"]
    return value if value >= 0.05 else 0.0

# ---- tables beside the charts: raw rows and their columns for components.tables.data_table,
# which formats them with dashboard/format.py and sorts by the raw values ----

MODULE_COLUMNS = (
    Column("module_label", "Modul"),
    Column("allocated_cents", "Bewilligt", "euro"),
    Column("spent_cents", "Ausgegeben", "euro"),
    Column("utilisation", "Abfluss", "percent"),
    Column("elapsed_share", "Jahr vergangen", "percent"),
    Column("projected_cents", "Hochrechnung Jahresende", "euro"),
    # allocated - projected: the plan gap, not a repayment (KPIS.md); negative is an overspend
    Column("projected_unspent_cents", "Rest (Prognose)", "euro"),
    Column("received_cents", "vom Land erhalten", "euro"),
)
CATEGORY_COLUMNS = (
    Column("module_label", "Modul"),
    Column("category_label", "Kategorie"),
    Column("allocated_cents", "Bewilligt", "euro"),
    Column("land_cents", "davon Land", "euro"),
    Column("spent_cents", "Ausgegeben", "euro"),
    Column("projected_cents", "Hochrechnung", "euro"),
    Column("land_earned_projected_cents", "Land abrufbar", "euro"),
)
STAFFING_COLUMNS = (
    Column("module_label", "Modul"),
    Column("fte_approved", "VZÄ bewilligt", "number", 2),
    Column("fte_filled", "VZÄ besetzt", "number", 2),
    Column("fte_vacant", "VZÄ unbesetzt", "number", 2),
    Column("fte_months_approved", "VZÄ-Monate bewilligt im Jahr", "number", 1),
    Column("fte_months_filled", "VZÄ-Monate besetzt im Jahr", "number", 1),
    Column("fte_months_vacant", "VZÄ-Monate unbesetzt im Jahr", "number", 1),
    Column("occupancy_share", "Besetzung im Jahr", "percent"),
)
def land_columns(budget: dict) -> tuple[Column, ...]:
    # Short words: "voraussichtlich" would break inside the word in a narrow header.
    note = "" if is_final(budget) else " (Prognose)"
    return (
        Column("label", "Modul"),
        Column("land_cents", "Landesmittel bewilligt", "euro"),
        Column("land_earned_projected_cents", f"abgerufen{note}", "euro"),
        Column("land_forfeit_projected_cents", f"verfallen{note}", "euro"),
        Column("received_cents", "bereits erhalten", "euro"),
        Column("repayment_projected_cents", f"davon Rückzahlung{note}", "euro"),
        Column("own_share_cents", "Eigenanteil", "euro"),
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
         "fte_vacant": round(max(m["fte_approved"] - m["fte_filled"], 0.0), 2),
         "fte_months_approved": m["fte_months_approved"],
         "fte_months_filled": m["fte_months_filled"],
         "fte_months_vacant": m["fte_months_vacant"],
         "occupancy_share": m["occupancy_share"]}
        for m in budget["modules"]
    ]


def land_rows(budget: dict) -> list[dict]:
    """The Land's money per module and in total (the total has no occupancy of its own)."""
    rows = [{**m, "label": module_label(m["module"])} for m in budget["modules"]]
    rows.append({**budget["total"], "label": "Gesamt"})
    return rows
