"""Outcomes of case management (Wirkung, KPIS.md): needs per Handlungsfeld, referrals per
institution and closed cases by reason, for a period, by district of the case and Kreis-wide.

The district of a need, a referral or a closed case is the district of its case
(`municipality.district_id` of `case_file.municipality_ags`), as for the caseload.

- needs: `identified` (identified_on in the period), `resolved` (resolved_on in the period),
  `open` (identified_on <= as_of and resolved_on NULL or > as_of), `median_days_to_resolve`
  over the needs resolved in the period;
- referrals: every row counts (rows may repeat); `referred` (referred_on in the period), of
  those `accepted` / `declined` / `pending` (OFFEN or NULL), `accepted_share` = accepted /
  (accepted + declined);
- closures: cases closed in the period by close_reason (NULL counts as SONSTIGE), `goal_share`
  = (ZIEL + UEBERGABE) / closed, `median_duration_days` (closed_on - opened_on).

How it is computed: the `*_counts` functions return the exact (unsuppressed) counts per
district and code, aggregated in the database; the public figure functions sum them over the
districts asked for and publish them through the filter's Disclosure (queries/disclosure.py,
primary and secondary suppression over the same plain counts, collected in
queries/published.py). Where they are fresh
(queries/derived.py) they are read from need_day, need_resolution_day, referral_day and
closure_day instead of joining every row to its case; `need_rows`, `referral_rows` and
`closure_rows` below are the raw definitions that build them and answer otherwise.

Medians of an even number of values are the mean of the two middle ones; a share or a median
whose count is suppressed is null (it would give the count back).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, func, select

from . import codes, derived, disclosure, schema
from .events import closure_rows, need_rows, referral_rows
from .filters import Filter, months_between
from .meta import districts as list_districts
from .sqlfuncs import month_key, month_start, unindexed
from .transitions import median_from_histogram

# Every code of DATA_MODEL.md, in plain string order (the report's order).
NEED_CODES: tuple[str, ...] = tuple(sorted(codes.NEEDS))
INSTITUTION_CODES: tuple[str, ...] = tuple(sorted(codes.INSTITUTIONS))
REASON_CODES: tuple[str, ...] = tuple(sorted(codes.CLOSE_REASONS))
GOAL_REASONS: tuple[str, ...] = ("UEBERGABE", "ZIEL")
ACCEPTED, DECLINED = "ANGENOMMEN", "ABGELEHNT"  # any other outcome (OFFEN, NULL) is pending
GRAINS = ("month", "quarter", "year")

Histogram = dict[int, int]  # days -> number of needs / cases


# The raw row sources live in queries/events.py (queries/derived.py builds its tables from
# them too): need_rows, referral_rows, closure_rows.


def _in_district(query, column, f: Filter):
    return query if f.district is None else query.where(column == f.district)


# --- exact counts per district and code ----------------------------------------------------------


def need_counts(conn: Connection, f: Filter) -> dict[tuple[str, str], dict[str, int]]:
    """(district, need) -> {"identified", "resolved", "open"}: exact counts of the period."""
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"identified": 0, "resolved": 0, "open": 0})
    if derived.fresh(conn):
        t = schema.need_day.c
        in_period = (t.day >= f.period_from) & (t.day <= f.period_to)
        query = (
            select(
                t.district_id, t.need,
                func.sum(t.identified).filter(in_period),
                func.sum(t.resolved).filter(in_period),
                func.sum(t.identified - t.resolved),
            )
            .where(t.day <= f.period_to)
            .group_by(t.district_id, t.need)
        )
        query = _in_district(query, t.district_id, f)
        for district, need, identified, resolved, still_open in conn.execute(query):
            out[(district, need)] = {"identified": int(identified or 0),
                                     "resolved": int(resolved or 0), "open": int(still_open or 0)}
        return dict(out)
    n, c, m = schema.case_need, schema.case_file, schema.municipality
    joined = n.join(c, c.c.id == n.c.case_id).join(m, m.c.ags == c.c.municipality_ags)
    identified_in = (n.c.identified_on >= f.period_from) & (n.c.identified_on <= f.period_to)
    # Open on as_of; the needs identified up to as_of are read once for both counts.
    still_open = n.c.resolved_on.is_(None) | (n.c.resolved_on > f.period_to)
    query = (
        select(m.c.district_id, n.c.need, func.count().filter(identified_in),
               func.count().filter(still_open))
        .select_from(joined)
        .where(n.c.identified_on <= f.period_to)
        .group_by(m.c.district_id, n.c.need)
    )
    for district, need, identified, open_ in conn.execute(_in_district(query, m.c.district_id, f)):
        out[(district, need)]["identified"] = int(identified)
        out[(district, need)]["open"] = int(open_)
    for (district, need), histogram in need_resolution_counts(conn, f).items():
        out[(district, need)]["resolved"] = sum(histogram.values())
    return dict(out)


def need_resolution_counts(conn: Connection, f: Filter) -> dict[tuple[str, str], Histogram]:
    """(district, need) -> {days to resolve: number} of the needs resolved in the period."""
    if derived.fresh(conn):
        t = schema.need_resolution_day.c
        # the day range must not choose the index (ix_need_resolution_day_groups: group order)
        day = unindexed(t.resolved_on)
        query = (
            select(t.district_id, t.need, t.days, func.sum(t.n))
            .where(day >= f.period_from, day <= f.period_to)
            .group_by(t.district_id, t.need, t.days)
        )
        query = _in_district(query, t.district_id, f)
    else:
        rows = need_rows()
        query = (
            select(rows.c.district_id, rows.c.need, rows.c.days, func.count())
            .where(rows.c.resolved_on >= f.period_from, rows.c.resolved_on <= f.period_to)
            .group_by(rows.c.district_id, rows.c.need, rows.c.days)
        )
        query = _in_district(query, rows.c.district_id, f)
    out: dict[tuple[str, str], Histogram] = defaultdict(dict)
    for district, need, days, n in conn.execute(query):
        out[(district, need)][int(days)] = out[(district, need)].get(int(days), 0) + int(n)
    return dict(out)


def referral_counts(conn: Connection, f: Filter) -> dict[tuple, dict[str | None, int]]:
    """(district, institution) -> {outcome (None for NULL): rows} of the period's referrals."""
    day, district, institution, outcome, n = _referral_source(conn)
    query = (
        select(district, institution, outcome, n)
        .where(day >= f.period_from, day <= f.period_to)
        .group_by(district, institution, outcome)
    )
    out: dict[tuple, dict[str | None, int]] = defaultdict(dict)
    for key_district, key_institution, result, count in conn.execute(
            _in_district(query, district, f)):
        key = (key_district, key_institution)
        out[key][result] = out[key].get(result, 0) + int(count)
    return dict(out)


def referral_month_counts(conn: Connection, f: Filter) -> dict[tuple, dict[str | None, int]]:
    """(district, institution, 'YYYY-MM') -> {outcome (None for NULL): rows} of the period."""
    day, district, institution, outcome, n = _referral_source(conn)
    monthly = _in_district(
        select(month_start(day).label("month"), district.label("district"),
               institution.label("key"), outcome.label("outcome"), n.label("n"))
        .where(day >= f.period_from, day <= f.period_to)
        .group_by(month_start(day), district, institution, outcome), district, f).subquery()
    out: dict[tuple, dict[str | None, int]] = defaultdict(dict)
    for *key, result, count in conn.execute(_month_keys(monthly, monthly.c.outcome)):
        out[tuple(key)][result] = out[tuple(key)].get(result, 0) + int(count)
    return dict(out)


def _referral_source(conn: Connection) -> tuple:
    """(day, district, institution, outcome, count) of referral_day or of the raw rows."""
    if derived.fresh(conn):
        t = schema.referral_day.c
        return t.referred_on, t.district_id, t.institution, t.outcome, func.sum(t.n)
    rows = referral_rows()
    return (rows.c.referred_on, rows.c.district_id, rows.c.institution, rows.c.outcome,
            func.count())


def _month_keys(monthly, *extra):
    """Counts per month (subquery: month as its first day, district, key, *extra, n) with the
    month as 'YYYY-MM'. Grouping by the month's first day first keeps the month key (to_char on
    PostgreSQL, which is slow) off every row: at 500,000 persons it is computed for 1,100
    (closures) and 10,000 (referrals) groups instead of 464,000 and 218,000 rows."""
    d = monthly.c
    month = month_key(d.month)
    return select(d.district, d.key, month, *extra, d.n)


def closure_counts(conn: Connection, f: Filter) -> dict[tuple, Histogram]:
    """(district, reason) -> {duration in days: cases} of the cases closed in the period
    (a NULL reason as SONSTIGE)."""
    # by duration: read in group order (ix_closure_day_groups), as for the needs
    day, district, reason, days, n = _closure_source(conn, group_order=True)
    query = (
        select(district, reason, days, n)
        .where(day >= f.period_from, day <= f.period_to)
        .group_by(district, reason, days)
    )
    out: dict[tuple, Histogram] = defaultdict(dict)
    for key_district, key_reason, duration, count in conn.execute(
            _in_district(query, district, f)):
        histogram = out[(key_district, key_reason)]
        histogram[int(duration)] = histogram.get(int(duration), 0) + int(count)
    return dict(out)


def closure_month_counts(conn: Connection, f: Filter) -> dict[tuple, int]:
    """(district, reason, 'YYYY-MM') -> cases closed (a NULL reason as SONSTIGE)."""
    day, district, reason, _days, n = _closure_source(conn)
    monthly = _in_district(
        select(month_start(day).label("month"), district.label("district"),
               reason.label("key"), n.label("n"))
        .where(day >= f.period_from, day <= f.period_to)
        .group_by(month_start(day), district, reason), district, f).subquery()
    out: dict[tuple, int] = defaultdict(int)
    for key_district, key_reason, month, count in conn.execute(_month_keys(monthly)):
        out[(key_district, key_reason, month)] += int(count)
    return dict(out)


def _closure_source(conn: Connection, group_order: bool = False) -> tuple:
    """(day, district, reason, days, count) of closure_day or of the raw rows; `group_order`:
    the day range does not choose the index on SQLite (see sqlfuncs.unindexed)."""
    if derived.fresh(conn):
        t = schema.closure_day.c
        day = unindexed(t.closed_on) if group_order else t.closed_on
        return day, t.district_id, t.close_reason, t.days, func.sum(t.n)
    rows = closure_rows()
    return rows.c.closed_on, rows.c.district_id, rows.c.reason, rows.c.days, func.count()


# --- the figures ---------------------------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator unrounded (KPIS.md: rounding is for display); None for / 0."""
    return numerator / denominator if denominator else None


def _median(histogram: Histogram) -> float | None:
    return median_from_histogram(sorted(histogram.items()))


def _merge(histograms) -> Histogram:
    out: Histogram = {}
    for histogram in histograms:
        for days, n in histogram.items():
            out[days] = out.get(days, 0) + n
    return out


def _need_entries(shown, counts, histograms, keep) -> list[dict]:
    out = []
    for need in NEED_CODES:
        totals = {"identified": 0, "resolved": 0, "open": 0}
        for key, values in counts.items():
            if key[1] == need and keep(key):
                for name in totals:
                    totals[name] += values[name]
        histogram = _merge(h for key, h in histograms.items() if key[1] == need and keep(key))
        resolved = shown(("nd", "resolved", need), totals["resolved"])
        out.append({
            "need": need,
            "identified": shown(("nd", "identified", need), totals["identified"]),
            "resolved": resolved,
            "open": shown(("nd", "open", need), totals["open"]),
            "median_days_to_resolve": _median(histogram) if resolved else None,
        })
    return out


def needs(conn: Connection, f: Filter) -> list[dict]:
    """Needs per code (every code, sorted by code): identified, resolved, open,
    median_days_to_resolve; for the filter's district or Kreis-wide."""
    return _need_entries(disclosure.for_filter(conn, f).show, need_counts(conn, f),
                         need_resolution_counts(conn, f), lambda _key: True)


def referral_figures(outcomes: dict[str | None, int]) -> dict[str, int]:
    """Exact referred, accepted, declined and pending of one {outcome: rows}."""
    referred = sum(outcomes.values())
    accepted, declined = outcomes.get(ACCEPTED, 0), outcomes.get(DECLINED, 0)
    return {"referred": referred, "accepted": accepted, "declined": declined,
            "pending": referred - accepted - declined}


REFERRAL_METRICS = ("referred", "accepted", "declined", "pending")


def _referral_entry(shown, level: tuple, institution: str,
                    outcomes: dict[str | None, int]) -> dict:
    exact = referral_figures(outcomes)
    accepted, declined = exact["accepted"], exact["declined"]
    out = {m: shown(("rf", m, *level, institution), exact[m]) for m in REFERRAL_METRICS}
    share_shown = out["accepted"] is not None and out["declined"] is not None
    return {
        "institution": institution,
        **out,
        "accepted_share": ratio(accepted, accepted + declined) if share_shown else None,
    }


def _sum_outcomes(counts, keep) -> dict[str, dict[str | None, int]]:
    out: dict[str, dict[str | None, int]] = {code: {} for code in INSTITUTION_CODES}
    for key, outcomes in counts.items():
        if keep(key):
            target = out.setdefault(key[1], {})
            for result, n in outcomes.items():
                target[result] = target.get(result, 0) + n
    return out


def referrals(conn: Connection, f: Filter) -> list[dict]:
    """Referrals per institution (every code, sorted by code): referred, accepted, declined,
    pending, accepted_share."""
    summed = _sum_outcomes(referral_counts(conn, f), lambda _key: True)
    shown = disclosure.for_filter(conn, f).show
    return [_referral_entry(shown, (), code, summed[code]) for code in INSTITUTION_CODES]


def _listed_districts(conn: Connection, f: Filter) -> list[dict]:
    return [d for d in list_districts(conn) if f.district is None or d["id"] == f.district]


def referrals_by_district(conn: Connection, f: Filter) -> list[dict]:
    """Per district (every district, or the chosen one; by id): its referrals per institution
    as in `referrals`."""
    counts = referral_counts(conn, f)
    shown = disclosure.for_filter(conn, f).show
    out = []
    for d in _listed_districts(conn, f):
        summed = _sum_outcomes(counts, lambda key, i=d["id"]: key[0] == i)
        out.append({"id": d["id"], "name": d["name"],
                    "referrals": [_referral_entry(shown, ("D", d["id"]), code, summed[code])
                                  for code in INSTITUTION_CODES]})
    return out


def closure_figures(by_reason: dict[str, Histogram]) -> tuple[dict[str, int], int]:
    """Exact ({reason: cases} over every code, total) of one {reason: histogram}."""
    counts = {code: sum(by_reason.get(code, {}).values()) for code in REASON_CODES}
    return counts, sum(counts.values())


def _closure_entry(show, level: tuple, by_reason: dict[str, Histogram]) -> dict:
    counts, total = closure_figures(by_reason)
    shown = {code: show(("cz", "R", *level, code), n) for code, n in counts.items()}
    shown_total = show(("cz", "total", *level), total)
    goal_shown = shown_total is not None and all(shown[c] is not None for c in GOAL_REASONS)
    return {
        "total": shown_total,
        "goal_share": (ratio(sum(counts[c] for c in GOAL_REASONS), total)
                       if goal_shown else None),
        "median_duration_days": (_median(_merge(by_reason.values()))
                                 if shown_total else None),
        "reasons": [{"reason": code, "count": shown[code]} for code in REASON_CODES],
    }


def _closures_of(counts, keep) -> dict[str, Histogram]:
    by_reason: dict[str, Histogram] = {}
    for key, histogram in counts.items():
        if keep(key):
            by_reason[key[1]] = _merge([by_reason.get(key[1], {}), histogram])
    return by_reason


def closures(conn: Connection, f: Filter) -> dict:
    """Cases closed in the period: total, goal_share, median_duration_days and the count per
    reason (every code, sorted by code; NULL counts as SONSTIGE)."""
    return _closure_entry(disclosure.for_filter(conn, f).show, (),
                          _closures_of(closure_counts(conn, f), lambda _key: True))


def closures_by_district(conn: Connection, f: Filter) -> list[dict]:
    """Per district (every district, or the chosen one; by id): its closures as in `closures`."""
    counts = closure_counts(conn, f)
    shown = disclosure.for_filter(conn, f).show
    return [
        {"id": d["id"], "name": d["name"],
         **_closure_entry(shown, ("D", d["id"]),
                          _closures_of(counts, lambda key, i=d["id"]: key[0] == i))}
        for d in _listed_districts(conn, f)
    ]


def outcomes(conn: Connection, f: Filter) -> dict:
    """The KPIS.md `outcomes` object of `kim report` (follows the district filter)."""
    return {"needs": needs(conn, f), "referrals": referrals(conn, f),
            "closures": closures(conn, f)}


# --- trends --------------------------------------------------------------------------------------


def bucket_of(month: str, grain: str) -> str:
    """'2025-05' -> '2025-05' (month), '2025-Q2' (quarter) or '2025' (year)."""
    if grain == "month":
        return month
    year, mon = month.split("-")
    if grain == "quarter":
        return f"{year}-Q{(int(mon) - 1) // 3 + 1}"
    return year


def buckets(f: Filter, grain: str) -> list[str]:
    """Every bucket of the period in order (the first and last may be partial)."""
    out: list[str] = []
    for month in months_between(f.period_from, f.period_to):
        key = bucket_of(month, grain)
        if not out or out[-1] != key:
            out.append(key)
    return out


def trend(conn: Connection, f: Filter, grain: str = "quarter") -> list[dict]:
    """Per month, quarter or year of the period (every one, zeros included): referrals (referred,
    accepted, declined, accepted_share) and closed cases (closed, goal = ZIEL + UEBERGABE,
    goal_share)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    keys = buckets(f, grain)
    refs, closed = trend_counts(conn, f, grain)
    shown = disclosure.for_filter(conn, f).show
    out = []
    for key in keys:
        r, c = refs[key], closed[key]
        accepted = shown(("rf", "accepted", grain, key), r["accepted"])
        declined = shown(("rf", "declined", grain, key), r["declined"])
        total = shown(("cz", "closed", grain, key), c["closed"])
        goal = shown(("cz", "goal", grain, key), c["goal"])
        out.append({
            "period": key,
            "referred": shown(("rf", "referred", grain, key), r["referred"]),
            "accepted": accepted,
            "declined": declined,
            "accepted_share": (ratio(r["accepted"], r["accepted"] + r["declined"])
                               if accepted is not None and declined is not None else None),
            "closed": total,
            "goal": goal,
            "goal_share": (ratio(c["goal"], c["closed"])
                           if total is not None and goal is not None else None),
        })
    return out


def monthly_outcome_counts(conn: Connection, f: Filter) -> tuple[dict, dict]:
    """Exact per month of the period: ({month: referred, accepted, declined}, {month: closed,
    goal}), for the filter's district or Kreis-wide (from referral_month_counts and
    closure_month_counts: one query each for all three grains)."""
    months = months_between(f.period_from, f.period_to)
    refs = {m: {"referred": 0, "accepted": 0, "declined": 0} for m in months}
    for (_district, _institution, month), outcomes_ in referral_month_counts(conn, f).items():
        row = refs[month]
        row["referred"] += sum(outcomes_.values())
        row["accepted"] += outcomes_.get(ACCEPTED, 0)
        row["declined"] += outcomes_.get(DECLINED, 0)
    closed = {m: {"closed": 0, "goal": 0} for m in months}
    for (_district, reason, month), n in closure_month_counts(conn, f).items():
        row = closed[month]
        row["closed"] += n
        if reason in GOAL_REASONS:
            row["goal"] += n
    return refs, closed


def trend_counts(conn: Connection, f: Filter, grain: str,
                 monthly: tuple[dict, dict] | None = None) -> tuple[dict, dict]:
    """Exact per bucket of `grain`: ({bucket: referred, accepted, declined},
    {bucket: closed, goal}), summed from monthly_outcome_counts (or `monthly`, its result)."""
    refs_by_month, closed_by_month = monthly or monthly_outcome_counts(conn, f)
    keys = buckets(f, grain)
    refs = {key: {"referred": 0, "accepted": 0, "declined": 0} for key in keys}
    closed = {key: {"closed": 0, "goal": 0} for key in keys}
    for month, row in refs_by_month.items():
        target = refs[bucket_of(month, grain)]
        for name, n in row.items():
            target[name] += n
    for month, row in closed_by_month.items():
        target = closed[bucket_of(month, grain)]
        for name, n in row.items():
            target[name] += n
    return refs, closed
