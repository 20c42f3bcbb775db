"""Pure chart and table builders for the Wirkung page: rows of queries/outcomes.py in, figure
dicts (components/figure.py), German table rows and the sentences that state each chart's
message out.

Suppressed counts (None, KPIS.md) are never drawn at a length that tells their value: a bar
whose count is hidden is a grey hatched stub labelled "•"; a share whose count is hidden is
"•" as well, a share that does not exist (nothing decided yet) "–".

The Bezirk-level sentences, column titles and hover texts take the territory's words
(queries/territory.Territory, the View's `words`): "Stadtbezirk" in a kreisfreie Stadt.
"""

from __future__ import annotations

from collections.abc import Sequence

from queries import codes
from queries.outcomes import GOAL_REASONS
from queries.territory import Territory

from .. import format as fmt
from .. import theme
from . import charts, figure
from .tables import Column

# A Kreis's words, where no territory is given.
KREIS_WORDS = Territory(name="Kreis")
# The words of the page (UI German). Handlungsfelder as the KIM programme names them.
NEED_LABELS: dict[str, str] = dict(codes.NEEDS)
# The order in which Handlungsfelder are read (the programme's order), for ties.
NEED_ORDER: tuple[str, ...] = ("AUFENTHALT", "ORIENTIERUNG", "SPRACHE", "ARBEIT", "WOHNEN",
                               "BILDUNG", "GESUNDHEIT", "FAMILIE")
INSTITUTION_LABELS: dict[str, str] = dict(codes.INSTITUTIONS)
# Short names for the axis of a chart on a projector (the table has the full ones).
INSTITUTION_SHORT: dict[str, str] = {
    **INSTITUTION_LABELS,
    "MBE": "Migrationsberatung (MBE)",
    "JMD": "Jugendmigrationsdienst",
    "GESUNDHEIT": "Gesundheitswesen",
}
REASON_LABELS: dict[str, str] = {
    "ZIEL": "Ziele erreicht",
    "UEBERGABE": "an Regeldienst übergeben",
    "UMZUG": "verzogen",
    "ABBRUCH": "Kontakt abgebrochen",
    "SONSTIGE": "Sonstiges / ohne Angabe",
}
REASON_ORDER: tuple[str, ...] = ("ZIEL", "UEBERGABE", "UMZUG", "ABBRUCH", "SONSTIGE")
GOAL_LABEL = "Ziel erreicht oder übergeben"

IDENTIFIED_COLOUR = theme.CASES
RESOLVED_COLOUR = theme.CASES_LIGHT
OPEN_COLOUR = theme.TRANSITIONS
# Where the network fails: the "worse" colour of the whole dashboard (components/kpi.py).
FAILING_COLOUR = theme.CHANGE_DOWN
GOAL_COLOUR = theme.CASES
OTHER_COLOUR = theme.CASES_LIGHT
ACCEPTED_COLOUR = theme.OKABE_ITO["sky_blue"]
# An institution "fails" where its declined share is this much above that of all institutions.
FAILING_MARGIN = 0.05
MATRIX_TOP = 0.5  # a declined share of a half or more is drawn darkest
BAR_HEIGHT = 44  # pixels per bar of a horizontal chart
GRAIN_WORDS = {"month": "Monat", "quarter": "Quartal", "year": "Jahr"}


# --- helpers ------------------------------------------------------------------------------------


def _stub(values: Sequence[float | None], _floor: float = 0) -> float:
    """A hidden count's marker at the axis (charts._placeholder_height)."""
    return charts._placeholder_height(values)


def hbar(labels: Sequence[str], values: Sequence[float | None], texts: Sequence[str], *,
         ids: Sequence[str], colours: Sequence[str], hidden: Sequence[bool], name: str,
         percent: bool = False, height: int | None = None) -> dict:
    """One horizontal bar per label, first label on top, the value printed beside each bar.

    hidden[i]: the value is suppressed, drawn as a grey hatched stub (its text says "•");
    a value None that is not hidden does not exist (no bar, its text says why)."""
    stub = _stub(values, 0 if percent else 1)
    x, fill, shape = [], [], []
    for value, is_hidden, colour in zip(values, hidden, colours, strict=True):
        if is_hidden:
            x.append(stub)
            fill.append(theme.SUPPRESSED_FILL)
            shape.append(theme.SUPPRESSED_PATTERN)
        else:
            x.append(0 if value is None else value)
            fill.append(colour)
            shape.append("")
    trace = {
        "type": "bar", "orientation": "h", "name": name,
        "x": x, "y": list(labels),
        "marker": {"color": fill,
                   "line": {"color": theme.SUPPRESSED_LINE, "width": [1 if s else 0
                                                                    for s in shape]},
                   "pattern": {"shape": shape, "fgcolor": theme.SUPPRESSED_LINE, "size": 8,
                               "solidity": 0.3}},
        "text": list(texts), "textposition": "outside", "cliponaxis": False,
        "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
        "customdata": [[i, t] for i, t in zip(ids, texts, strict=True)],
        "hovertemplate": "%{y}<br>" + name + ": %{customdata[1]}<extra></extra>",
    }
    top = max([v for v in x if v is not None] + [1])
    value_axis = {"range": [0, top * 1.3], "rangemode": "tozero", "fixedrange": True,
                  "tickformat": ",.0f"}
    if percent:
        value_axis.update({"range": [0, max(top * 1.3, 10)], "ticksuffix": "\u00a0%"})
    return figure.new(
        [trace], height=height or max(220, 80 + BAR_HEIGHT * len(labels)), showlegend=False,
        margin={"t": 15, "l": 10, "r": 20},
        xaxis=value_axis,
        yaxis={"type": "category", "autorange": "reversed", "fixedrange": True,
               "automargin": True},
    )


def _share_text(share: float | None, hidden: bool, min_cell: int, none_text: str = "–") -> str:
    if hidden:
        return fmt.suppressed(min_cell)
    return none_text if share is None else fmt.percent(share, 0)


def declined_share(r: dict) -> float | None:
    """abgelehnt / entschieden = 1 - accepted_share (None where that is null)."""
    return None if r["accepted_share"] is None else 1 - r["accepted_share"]


def _share_hidden(r: dict) -> bool:
    """The share is null because a count it is made of is suppressed (not because nothing was
    decided)."""
    return r["accepted"] is None or r["declined"] is None


# --- needs ---------------------------------------------------------------------------------------


def needs_in_order(rows: Sequence[dict]) -> list[dict]:
    """Needs with most identified first (hidden counts last), the programme's order for ties."""
    def key(r):
        n = r["identified"]
        return (n is None, -(n or 0), NEED_ORDER.index(r["need"]))
    return sorted(rows, key=key)


def needs_bars(rows: Sequence[dict], min_cell: int) -> dict:
    """Per Handlungsfeld: identified and resolved in the period, open on the Stichtag."""
    ordered = needs_in_order(rows)
    labels = [NEED_LABELS[r["need"]] for r in ordered]
    fig = charts.grouped_count_bars(labels, [
        ("festgestellt", [r["identified"] for r in ordered], IDENTIFIED_COLOUR),
        ("erledigt", [r["resolved"] for r in ordered], RESOLVED_COLOUR),
        ("offen am Stichtag", [r["open"] for r in ordered], OPEN_COLOUR),
    ], min_cell=min_cell, height=420)
    fig["layout"]["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}
    fig["layout"]["margin"] = {"t": 50}
    for trace in fig["data"]:
        trace["textangle"] = -90 if len(ordered) > 4 else 0
        trace["textfont"] = {"size": theme.FONT_SIZE - 2, "color": theme.TEXT}
    return fig


def needs_by_duration(rows: Sequence[dict]) -> list[dict]:
    """Slowest first; Handlungsfelder without a median last, in the programme's order."""
    return sorted(rows, key=lambda r: (r["median_days_to_resolve"] is None,
                                       -(r["median_days_to_resolve"] or 0),
                                       NEED_ORDER.index(r["need"])))


def resolve_days_bars(rows: Sequence[dict], min_cell: int) -> dict:
    """Median days from identified to resolved per Handlungsfeld, slowest first."""
    ordered = needs_by_duration(rows)
    hidden = [r["resolved"] is None for r in ordered]
    texts = [fmt.suppressed(min_cell) if h else
             ("keine erledigt" if r["median_days_to_resolve"] is None else
              f"{fmt.number(r['median_days_to_resolve'])} Tage")
             for r, h in zip(ordered, hidden, strict=True)]
    return hbar([NEED_LABELS[r["need"]] for r in ordered],
                [r["median_days_to_resolve"] for r in ordered], texts,
                ids=[r["need"] for r in ordered], colours=[IDENTIFIED_COLOUR] * len(ordered),
                hidden=hidden, name="Median Tage bis erledigt")


def needs_sentence(rows: Sequence[dict], as_of, min_cell: int) -> str:
    ordered = [r for r in needs_in_order(rows) if r["identified"]]
    total_open = [r["open"] for r in rows]
    if not ordered and not any(total_open):
        return "Im gewählten Zeitraum wurden keine Bedarfslagen festgestellt."
    parts = []
    if ordered:
        top = ordered[:2]
        names = " und ".join(NEED_LABELS[r["need"]] for r in top)
        counts = " und ".join(fmt.count(r["identified"], min_cell) for r in top)
        verb = ("sind die häufigsten Bedarfslagen" if len(top) > 1
                else "ist die häufigste Bedarfslage")
        parts.append(f"{names} {verb} ({counts} im Zeitraum festgestellt)")
    open_known = sum(v for v in total_open if v)
    if open_known:
        prefix = "mindestens " if any(v is None for v in total_open) else ""
        parts.append(f"am {fmt.day(as_of)} waren {prefix}{fmt.number(open_known)} "
                     "Bedarfslagen noch offen")
    return "; ".join(parts) + "."


def duration_sentence(rows: Sequence[dict]) -> str:
    known = [r for r in rows if r["median_days_to_resolve"] is not None]
    if not known:
        return "Im Zeitraum wurden zu wenige Bedarfslagen erledigt, um Dauern auszuweisen."
    slow = sorted(known, key=lambda r: (-r["median_days_to_resolve"],
                                        NEED_ORDER.index(r["need"])))
    first = slow[0]
    text = (f"Am längsten dauert {NEED_LABELS[first['need']]}: im Median "
            f"{fmt.number(first['median_days_to_resolve'])} Tage bis zur Erledigung")
    if len(slow) > 1:
        last = slow[-1]
        text += (f", am kürzesten {NEED_LABELS[last['need']]} mit "
                 f"{fmt.number(last['median_days_to_resolve'])} Tagen")
    return text + "."


NEED_COLUMNS = (
    Column("label", "Handlungsfeld"),
    Column("identified", "festgestellt im Zeitraum", "count"),
    Column("resolved", "erledigt im Zeitraum", "count"),
    Column("open", "offen am Stichtag", "count"),
    Column("median_days_to_resolve", "Median Tage bis erledigt", "number", 1),
)


def need_rows(rows: Sequence[dict]) -> list[dict]:
    return [{**r, "label": NEED_LABELS[r["need"]]} for r in needs_in_order(rows)]


DURATION_COLUMNS = (
    Column("label", "Handlungsfeld"),
    Column("median_days_to_resolve", "Median Tage bis erledigt", "number", 1),
    Column("resolved", "erledigt im Zeitraum", "count"),
)


def duration_rows(rows: Sequence[dict]) -> list[dict]:
    return [{**r, "label": NEED_LABELS[r["need"]]} for r in needs_by_duration(rows)]


# --- referrals -----------------------------------------------------------------------------------


def referrals_in_order(rows: Sequence[dict]) -> list[dict]:
    """Institutions with referrals, the highest declined share first (where the network fails
    stands on top); shares that are hidden or do not exist after them, by number referred;
    institutions without any referral are left out."""
    used = [r for r in rows if r["referred"] != 0]

    def key(r):
        share = declined_share(r)
        return (share is None, -(share or 0), -(r["referred"] or 0),
                INSTITUTION_LABELS[r["institution"]])
    return sorted(used, key=key)


def overall_declined_share(rows: Sequence[dict]) -> float | None:
    """Declined of decided over all institutions whose counts are shown."""
    accepted = sum(r["accepted"] or 0 for r in rows if not _share_hidden(r))
    declined = sum(r["declined"] or 0 for r in rows if not _share_hidden(r))
    return declined / (accepted + declined) if accepted + declined else None


def declined_bars(rows: Sequence[dict], min_cell: int) -> dict:
    """Share of decided referrals that were declined, per institution, highest first; the
    institutions above the overall share in the colour for "worse"."""
    ordered = referrals_in_order(rows)
    overall = overall_declined_share(rows)
    values, texts, colours, hidden = [], [], [], []
    for r in ordered:
        share, is_hidden = declined_share(r), _share_hidden(r)
        values.append(None if share is None else share * 100)
        hidden.append(is_hidden)
        texts.append(_share_text(share, is_hidden, min_cell, "nichts entschieden"))
        failing = (share is not None and overall is not None
                   and share >= overall + FAILING_MARGIN)
        colours.append(FAILING_COLOUR if failing else OTHER_COLOUR)
    fig = hbar([INSTITUTION_SHORT[r["institution"]] for r in ordered], values, texts,
               ids=[r["institution"] for r in ordered], colours=colours, hidden=hidden,
               name="abgelehnt", percent=True)
    if overall is not None:
        fig["layout"]["shapes"] = [{
            "type": "line", "xref": "x", "yref": "paper", "x0": overall * 100,
            "x1": overall * 100, "y0": 0, "y1": 1,
            "layer": "below", "line": {"color": theme.REFERENCE, "width": 2, "dash": "dash"}}]
        fig["layout"]["annotations"] = [{
            "text": f"alle: {fmt.percent(overall, 0)}", "x": overall * 100, "xref": "x",
            "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
            "font": {"size": theme.FONT_SIZE - 2, "color": theme.TEXT}}]
        fig["layout"]["margin"]["t"] = 36
    return fig


def referral_sentence(rows: Sequence[dict], min_cell: int) -> str:
    ordered = [r for r in referrals_in_order(rows) if declined_share(r) is not None]
    referred = [r["referred"] for r in rows]
    if not any(referred):
        return "Im gewählten Zeitraum gab es keine Verweise."
    if not ordered:
        return "Zu wenige entschiedene Verweise, um Anteile auszuweisen."
    worst = ordered[0]
    text = (f"{INSTITUTION_LABELS[worst['institution']]}: "
            f"{fmt.percent(declined_share(worst), 0)} der entschiedenen Verweise abgelehnt")
    overall = overall_declined_share(rows)
    if overall is not None and len(ordered) > 1:
        text += f" (alle Institutionen: {fmt.percent(overall, 0)})"
    return text + "."


REFERRAL_COLUMNS = (
    Column("label", "Institution"),
    Column("referred", "Verweise", "count"),
    Column("accepted", "angenommen", "count"),
    Column("declined", "abgelehnt", "count"),
    Column("pending", "offen", "count"),
    Column("accepted_share", "angenommen (Anteil an entschiedenen)", "percent", 1),
    Column("declined_share", "abgelehnt (Anteil an entschiedenen)", "percent", 1),
)


def referral_rows(rows: Sequence[dict]) -> list[dict]:
    """Every institution (those without referrals last), in the chart's order."""
    ordered = referrals_in_order(rows)
    rest = [r for r in rows if r not in ordered]
    return [{**r, "label": INSTITUTION_LABELS[r["institution"]],
             "declined_share": declined_share(r)} for r in [*ordered, *rest]]


def district_matrix(by_district: Sequence[dict], min_cell: int,
                    words: Territory = KREIS_WORDS) -> dict:
    """Declined share per institution (rows) and Bezirk (columns): a darker cell is a higher
    share. Rows are the institutions with referrals, in the chart of the whole area's order."""
    institutions = [code for code in INSTITUTION_LABELS
                    if any(r["institution"] == code and r["referred"] != 0
                           for d in by_district for r in d["referrals"])]
    if not institutions:
        return figure.message("Im gewählten Zeitraum gab es keine Verweise.")

    def worst(code):  # the highest share in any Bezirk first
        shares = [declined_share(r) for d in by_district for r in d["referrals"]
                  if r["institution"] == code and declined_share(r) is not None]
        return (-(max(shares) if shares else -1), INSTITUTION_LABELS[code])
    institutions.sort(key=worst)
    z, text, custom = [], [], []
    for code in institutions:
        z_row, t_row, c_row = [], [], []
        for d in by_district:
            r = next(x for x in d["referrals"] if x["institution"] == code)
            share = declined_share(r)
            hidden = _share_hidden(r)
            z_row.append(-0.1 if hidden else share)
            label = _share_text(share, hidden, min_cell, "–")
            t_row.append(label)
            c_row.append([d["id"], label])
        z.append(z_row)
        text.append(t_row)
        custom.append(c_row)
    heatmap = {
        "type": "heatmap", "z": z, "x": [d["name"] for d in by_district],
        "y": [INSTITUTION_SHORT[c] for c in institutions], "text": text,
        "texttemplate": "%{text}", "customdata": custom,
        "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
        # -0.1: hidden (grey); 0 … MATRIX_TOP: white to an orange in the hue of "worse" (black
        # text stays readable on it); higher shares take the darkest colour
        "colorscale": [[0, theme.SUPPRESSED_FILL], [0.16, theme.SUPPRESSED_FILL],
                       [0.1667, "#FFFFFF"], [1, "#E0915E"]],
        "zmin": -0.1, "zmax": MATRIX_TOP, "showscale": False, "xgap": 3, "ygap": 3,
        "hovertemplate": (f"%{{y}}, {words.district_word} %{{x}}: %{{text}} abgelehnt"
                          "<extra></extra>"),
    }
    return figure.new(
        [heatmap], height=90 + 48 * len(institutions),
        margin={"t": 50, "l": 10, "r": 10},
        xaxis={"side": "top", "showgrid": False, "fixedrange": True},
        yaxis={"autorange": "reversed", "showgrid": False, "fixedrange": True,
               "automargin": True},
    )


def district_sentence(by_district: Sequence[dict], min_cell: int,
                      words: Territory = KREIS_WORDS) -> str:
    best = None
    for d in by_district:
        for r in d["referrals"]:
            share = declined_share(r)
            if share is None or (r["accepted"] or 0) + (r["declined"] or 0) < max(min_cell, 10):
                continue
            if best is None or share > best[0]:
                best = (share, d["name"], r["institution"])
    if best is None:
        return f"Zu wenige entschiedene Verweise, um die {words.districts_word} zu vergleichen."
    share, name, code = best
    others = [declined_share(r) for d in by_district if d["name"] != name
              for r in d["referrals"] if r["institution"] == code]
    others = [s for s in others if s is not None]
    text = (f"Am häufigsten abgelehnt: {INSTITUTION_LABELS[code]} im {words.district_word} "
            f"{name} ({fmt.percent(share, 0)} der entschiedenen Verweise")
    if others:
        text += (f"; in den anderen {words.districts_word}n "
                 f"{' und '.join(fmt.percent(s, 0) for s in others)}")
    return text + ")."


DISTRICT_REFERRAL_COLUMNS = (
    Column("district", "Bezirk"),
    Column("label", "Institution"),
    Column("referred", "Verweise", "count"),
    Column("accepted", "angenommen", "count"),
    Column("declined", "abgelehnt", "count"),
    Column("declined_share", "abgelehnt (Anteil an entschiedenen)", "percent", 1),
)


def district_referral_columns(words: Territory = KREIS_WORDS) -> tuple[Column, ...]:
    """DISTRICT_REFERRAL_COLUMNS with the territory's word ("Stadtbezirk") for the first."""
    return (Column("district", words.district_word), *DISTRICT_REFERRAL_COLUMNS[1:])


def district_referral_rows(by_district: Sequence[dict]) -> list[dict]:
    """Per Bezirk the institutions it referred to (by name)."""
    return [
        {**r, "district": d["name"], "label": INSTITUTION_LABELS[r["institution"]],
         "declined_share": declined_share(r)}
        for d in by_district
        for r in sorted(d["referrals"], key=lambda x: INSTITUTION_LABELS[x["institution"]])
        if r["referred"] != 0
    ]


# --- closures ------------------------------------------------------------------------------------


def reason_bars(closures: dict, min_cell: int) -> dict:
    """Closed cases per reason (goals reached and handed over first, in the goal colour)."""
    by_code = {r["reason"]: r["count"] for r in closures["reasons"]}
    labels = [REASON_LABELS[c] for c in REASON_ORDER]
    values = [by_code.get(c, 0) for c in REASON_ORDER]
    colours = [GOAL_COLOUR if c in GOAL_REASONS else OTHER_COLOUR for c in REASON_ORDER]
    return hbar(labels, values, [fmt.count(v, min_cell) for v in values], ids=list(REASON_ORDER),
                colours=colours, hidden=[v is None for v in values], name="abgeschlossene Fälle")


def closure_sentence(closures: dict, min_cell: int) -> str:
    if closures["total"] == 0:
        return "Im gewählten Zeitraum wurden keine Fälle abgeschlossen."
    text = f"{fmt.count(closures['total'], min_cell)} Fälle abgeschlossen"
    if closures["goal_share"] is not None:
        text += f", davon {fmt.percent(closures['goal_share'], 0)} mit Ziel erreicht oder übergeben"
    if closures["median_duration_days"] is not None:
        text += (f"; ein Fall dauerte im Median "
                 f"{fmt.number(closures['median_duration_days'])} Tage")
    return text + "."


REASON_COLUMNS = (
    Column("label", "Abschlussgrund"),
    Column("count", "abgeschlossene Fälle", "count"),
)


def reason_rows(closures: dict) -> list[dict]:
    by_code = {r["reason"]: r["count"] for r in closures["reasons"]}
    return [{"reason": c, "label": REASON_LABELS[c], "count": by_code.get(c, 0)}
            for c in REASON_ORDER] + [{"reason": "", "label": "zusammen",
                                       "count": closures["total"]}]


def goal_share_by_district(districts: Sequence[dict], min_cell: int) -> dict:
    """"Ziel erreicht oder übergeben" per Bezirk (clickable: customdata[0] = district id)."""
    values, texts, hidden = [], [], []
    for d in districts:
        share = d["goal_share"]
        is_hidden = share is None and d["total"] != 0
        hidden.append(is_hidden)
        values.append(None if share is None else share * 100)
        texts.append(_share_text(share, is_hidden, min_cell, "keine Abschlüsse"))
    return hbar([d["name"] for d in districts], values, texts, ids=[d["id"] for d in districts],
                colours=[GOAL_COLOUR] * len(districts), hidden=hidden, name=GOAL_LABEL,
                percent=True)


DISTRICT_CLOSURE_COLUMNS = (
    Column("name", "Bezirk"),
    Column("total", "abgeschlossene Fälle", "count"),
    Column("goal_share", "Ziel erreicht oder übergeben", "percent", 1),
    Column("median_duration_days", "Median Falldauer (Tage)", "number", 1),
)


def district_closure_columns(words: Territory = KREIS_WORDS) -> tuple[Column, ...]:
    """DISTRICT_CLOSURE_COLUMNS with the territory's word ("Stadtbezirk") for the first."""
    return (Column("name", words.district_word), *DISTRICT_CLOSURE_COLUMNS[1:])


def district_closure_sentence(districts: Sequence[dict], words: Territory = KREIS_WORDS) -> str:
    known = [d for d in districts if d["goal_share"] is not None]
    if len(known) < 2:
        return f"Zu wenige abgeschlossene Fälle, um die {words.districts_word} zu vergleichen."
    best = max(known, key=lambda d: d["goal_share"])
    worst = min(known, key=lambda d: d["goal_share"])
    return (f"Ziel erreicht oder übergeben: von {fmt.percent(worst['goal_share'], 0)} im "
            f"{words.district_word} {worst['name']} bis {fmt.percent(best['goal_share'], 0)} "
            f"im {words.district_word} {best['name']}.")


# --- trend ---------------------------------------------------------------------------------------


def grain_for(period_from, period_to) -> str:
    """Coarse enough that a real Kreis's counts are rarely hidden: months for up to half a year,
    quarters up to three years, years beyond."""
    months = (period_to.year - period_from.year) * 12 + period_to.month - period_from.month + 1
    if months <= 6:
        return "month"
    if months <= 36:
        return "quarter"
    return "year"


def bucket_label(key: str) -> str:
    """'2025-05' -> 'Mai 2025', '2025-Q2' -> '2. Quartal 2025', '2025' -> '2025'."""
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return f"{quarter}. Quartal {year}"
    if "-" in key:
        return fmt.month_short(key)
    return key


def short_bucket_label(key: str) -> str:
    """'2025-Q2' -> 'Q2/25' (for a small chart); months and years as bucket_label."""
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return f"Q{quarter}/{year[2:]}"
    return bucket_label(key)


def trend_lines(rows: Sequence[dict], min_cell: int, *, height: int = 380,
                goal_only: bool = False) -> dict:
    """The goal share of closed cases and the accepted share of referrals per bucket, in %
    (goal_only: the first alone with short labels, for the Überblick's small chart)."""
    labels = [(short_bucket_label if goal_only else bucket_label)(r["period"]) for r in rows]
    series = (
        (GOAL_LABEL, "goal_share", "closed", GOAL_COLOUR, "solid"),
        ("Verweise angenommen", "accepted_share", "referred", ACCEPTED_COLOUR, "dash"),
    )[: 1 if goal_only else 2]
    traces = []
    every = []
    for name, share_key, _count_key, colour, dash in series:
        y = [None if r[share_key] is None else r[share_key] * 100 for r in rows]
        every += [v for v in y if v is not None]
        texts = [fmt.percent(r[share_key], 0) if r[share_key] is not None else "" for r in rows]
        traces.append({
            "type": "scatter", "mode": "lines+markers+text" if len(rows) <= 12 else "lines+markers",
            "name": name, "x": labels, "y": y, "text": texts, "textposition": "top center",
            "textfont": {"size": theme.FONT_SIZE - 2, "color": colour if colour != ACCEPTED_COLOUR
                         else theme.TEXT},
            "line": {"color": colour, "width": 3, "dash": dash}, "marker": {"size": 9},
            "connectgaps": False, "cliponaxis": False,
            "customdata": [[r["period"], t or fmt.MISSING] for r, t in zip(rows, texts,
                                                                         strict=True)],
            "hovertemplate": "%{x}<br>" + name + ": %{customdata[1]}<extra></extra>",
        })
    return figure.new(
        traces, height=height, showlegend=not goal_only,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 20 if goal_only else 60},
        xaxis={"type": "category", "fixedrange": True},
        yaxis={"range": [0, 105], "ticksuffix": "\u00a0%", "fixedrange": True},
    )


def trend_sentence(rows: Sequence[dict], grain: str) -> str:
    known = [r for r in rows if r["goal_share"] is not None]
    if len(known) < 2:
        return (f"Zu wenige abgeschlossene Fälle je {GRAIN_WORDS[grain]}, um eine Entwicklung "
                "auszuweisen.")
    first, last = known[0], known[-1]
    diff = (last["goal_share"] - first["goal_share"]) * 100
    if round(diff) == 0:
        move = "unverändert bei"
        return (f"{GOAL_LABEL}: {move} {fmt.percent(last['goal_share'], 0)} "
                f"({bucket_label(first['period'])} bis {bucket_label(last['period'])}).")
    word = "gestiegen" if diff > 0 else "gesunken"
    return (f"{GOAL_LABEL}: von {fmt.percent(first['goal_share'], 0)} "
            f"({bucket_label(first['period'])}) auf {fmt.percent(last['goal_share'], 0)} "
            f"({bucket_label(last['period'])}) {word}.")


TREND_COLUMNS = (
    Column("label", "Zeitraum"),
    Column("closed", "abgeschlossene Fälle", "count"),
    Column("goal", "davon Ziel erreicht oder übergeben", "count"),
    Column("goal_share", "Ziel erreicht oder übergeben (Anteil)", "percent", 1),
    Column("referred", "Verweise", "count"),
    Column("accepted", "angenommen", "count"),
    Column("declined", "abgelehnt", "count"),
    Column("accepted_share", "angenommen (Anteil an entschiedenen)", "percent", 1),
)


def trend_rows(rows: Sequence[dict]) -> list[dict]:
    return [{**r, "label": bucket_label(r["period"])} for r in rows]
