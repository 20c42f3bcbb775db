"""The pandas peer: the figures of queries/ computed the way most Dash apps do it (read the tables
into DataFrames, filter and group in pandas), so the benchmark can state our speed-up over it.

Each peer function takes `frames` (table name -> DataFrame as `read_tables` returns it) and the
same arguments as its queries/ counterpart, and returns exactly the same structure and numbers;
tests/test_benchmark_peer.py checks that, because a speed-up over a wrong peer means nothing.
The peer is written as a competent pandas user would write it (vectorised, sorted searches,
merge_asof), not as a straw man. Only the final rounding reuses the helpers of queries/, since
that is presentation, not computation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from queries import budget as q_budget
from queries import caseload as q_caseload
from queries import codes, meta, schema
from queries import outcomes as q_outcomes
from queries import quality as q_quality
from queries import runs as q_runs
from queries import territory as q_territory
from queries import transitions as q_transitions
from queries.events import NULL_REASON
from queries.filters import Filter, months_between, shift_years

CASE_MANAGEMENT = "CASE_MANAGEMENT"
_DATE_COLUMNS = {
    "funded_position": ("approved_from", "approved_to"),
    "staff": ("active_from", "active_to"),
    "case_file": ("opened_on", "closed_on"),
    "legal_status_episode": ("valid_from", "valid_to"),
    "legal_sphere_episode": ("valid_from", "valid_to"),
    "ledger_entry": ("booked_on",),
    "person": ("arrival_date",),
    "case_need": ("identified_on", "resolved_on"),
    "referral": ("referred_on",),
}


# --- reading: what the peer pays on every call ---------------------------------------------------

def read_tables(conn: Connection, names) -> dict[str, pd.DataFrame]:
    """SELECT * of every named table into a DataFrame, dates parsed (the usual Dash-app loader)."""
    frames = {}
    for name in names:
        table = schema.TABLES_BY_NAME[name] if name in schema.TABLES_BY_NAME else schema.import_run
        df = pd.read_sql(select(table), conn)
        for col in _DATE_COLUMNS.get(name, ()):
            df[col] = pd.to_datetime(df[col])
        frames[name] = df
    return frames


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _month(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m")


def _fte_decimal(value) -> Decimal:
    if value is None or pd.isna(value):
        return Decimal("0.00")
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _per_fte(active, fte: Decimal):
    if active is None or fte == 0:
        return None
    return float(Fraction(active) / Fraction(fte))


def _per_1000(active, population: int):
    if active is None or not population:
        return None
    return float(Fraction(active * 1000, population))


# --- caseload -------------------------------------------------------------------------------

def _cases_with_district(frames) -> pd.DataFrame:
    cases = frames["case_file"]
    mun = frames["municipality"][["ags", "district_id"]]
    return cases.merge(mun, left_on="municipality_ags", right_on="ags", how="left")


def _relevant(cases: pd.DataFrame, f: Filter) -> pd.DataFrame:
    keep = (cases["opened_on"] <= _ts(f.as_of)) & (
        cases["closed_on"].isna() | (cases["closed_on"] >= _ts(f.period_from))
    )
    return cases[keep]


def _count_flags(cases: pd.DataFrame, f: Filter) -> pd.DataFrame:
    frm, to = _ts(f.period_from), _ts(f.as_of)
    opened, closed = cases["opened_on"], cases["closed_on"]
    return pd.DataFrame(
        {
            "active": ((opened <= to) & (closed.isna() | (closed > to))).astype(int),
            "opened": ((opened >= frm) & (opened <= to)).astype(int),
            "closed": ((closed >= frm) & (closed <= to)).astype(int),
        },
        index=cases.index,
    )


def _active_staff(frames, day: date) -> pd.DataFrame:
    staff = frames["staff"].merge(
        frames["funded_position"][["id", "role"]].rename(columns={"id": "pid"}),
        left_on="position_id", right_on="pid",
    )
    d = _ts(day)
    keep = (
        (staff["role"] == CASE_MANAGEMENT)
        & (staff["active_from"] <= d)
        & (staff["active_to"].isna() | (staff["active_to"] >= d))
    )
    return staff[keep]


def caseload(frames, f: Filter) -> dict:
    districts = frames["district"].sort_values("id")
    mun = frames["municipality"].sort_values("ags")
    if f.district is not None:
        districts = districts[districts["id"] == f.district]
        mun = mun[mun["district_id"] == f.district]
    cases = _relevant(_cases_with_district(frames), f)
    flags = _count_flags(cases, f)
    flags["ags"] = cases["municipality_ags"]
    counts = flags.groupby("ags")[["active", "opened", "closed"]].sum()
    staff = _active_staff(frames, f.as_of)
    fte_sums = staff.groupby("district_id", dropna=False)["fte"].sum()
    fte = {(None if pd.isna(k) else k): _fte_decimal(v) for k, v in fte_sums.items()}

    def figures(active, opened, closed, population):
        return {
            "active": f.suppress(active),
            "opened": f.suppress(opened),
            "closed": f.suppress(closed),
            "per_1000": _per_1000(f.suppress(active), population),
        }

    out_districts = []
    total = np.zeros(3, dtype=int)
    total_population = 0
    for d in districts.itertuples():
        ms = mun[mun["district_id"] == d.id]
        sums = np.zeros(3, dtype=int)
        population = 0
        municipalities = []
        for m in ms.itertuples():
            values = (
                counts.loc[m.ags].to_numpy(dtype=int) if m.ags in counts.index
                else np.zeros(3, dtype=int)
            )
            sums += values
            population += int(m.population)
            municipalities.append(
                {"ags": m.ags, "name": m.name, **figures(*map(int, values), int(m.population))}
            )
        shown = figures(*map(int, sums), population)
        district_fte = fte.get(d.id, Decimal("0.00"))
        out_districts.append(
            {
                "id": d.id, "name": d.name,
                "active": shown["active"], "opened": shown["opened"], "closed": shown["closed"],
                "fte": float(district_fte),
                "per_fte": _per_fte(shown["active"], district_fte),
                "per_1000": shown["per_1000"],
                "municipalities": municipalities,
            }
        )
        total += sums
        total_population += population
    if f.district is None:
        total_fte = sum(fte.values(), Decimal("0.00"))
    else:
        total_fte = fte.get(f.district, Decimal("0.00"))
    shown = figures(*map(int, total), total_population)
    return {
        "total": {
            "active": shown["active"], "opened": shown["opened"], "closed": shown["closed"],
            "fte": float(total_fte),
            "per_fte": _per_fte(shown["active"], total_fte),
            "per_1000": shown["per_1000"],
        },
        "districts": out_districts,
        "monthly_active": monthly_active(frames, f),
    }


def monthly_active(frames, f: Filter) -> list[dict]:
    """Active cases at each month's end (as_of for its month) by sorted searches, no row loop."""
    cases = _cases_with_district(frames)
    if f.district is not None:
        cases = cases[cases["district_id"] == f.district]
    opened = np.sort(cases["opened_on"].to_numpy())
    closed = np.sort(cases["closed_on"].dropna().to_numpy())
    out = []
    for key in months_between(f.period_from, f.as_of):
        y, m = int(key[:4]), int(key[5:])
        day = np.datetime64(min(pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0), _ts(f.as_of)))
        n = int(np.searchsorted(opened, day, "right") - np.searchsorted(closed, day, "right"))
        out.append({"month": key, "active": f.suppress(n)})
    return out


def opened_closed_monthly(frames, f: Filter) -> list[dict]:
    cases = _cases_with_district(frames)
    if f.district is not None:
        cases = cases[cases["district_id"] == f.district]
    frm, to = _ts(f.period_from), _ts(f.as_of)

    def per_month(col):
        days = cases[col]
        days = days[(days >= frm) & (days <= to)]
        return _month(days).value_counts().to_dict()

    opened, closed = per_month("opened_on"), per_month("closed_on")
    return [
        {"month": k, "opened": f.suppress(int(opened.get(k, 0))),
         "closed": f.suppress(int(closed.get(k, 0)))}
        for k in months_between(f.period_from, f.as_of)
    ]


def caseload_by_staff(frames, f: Filter, district_id: str,
                      municipality_ags: str | None = None) -> list[dict]:
    cases = _relevant(_cases_with_district(frames), f)
    cases = cases[cases["district_id"] == district_id]
    if municipality_ags is not None:
        cases = cases[cases["municipality_ags"] == municipality_ags]
    flags = _count_flags(cases, f)
    flags["staff_id"] = cases["staff_id"]
    grouped = flags.groupby("staff_id", dropna=False)[["active", "opened", "closed"]].sum()
    counts = {
        (None if pd.isna(k) else k): tuple(int(v) for v in row)
        for k, row in zip(grouped.index, grouped.to_numpy(), strict=True)
    }
    if municipality_ags is not None:
        # The Gemeinde level: staff with a case there only, no FTE (see queries/caseload.py).
        return [
            {"staff_id": staff_id, "fte": None, "active": f.suppress(counts[staff_id][0]),
             "opened": f.suppress(counts[staff_id][1]),
             "closed": f.suppress(counts[staff_id][2]), "per_fte": None}
            for staff_id in sorted(counts, key=lambda s: (s is None, s or ""))
        ]
    staff = _active_staff(frames, f.as_of)
    ids_with_cases = {s for s in counts if s is not None}
    staff = staff[(staff["district_id"] == district_id) | staff["id"].isin(ids_with_cases)]
    fte, home = {}, {}
    for s in staff.itertuples():
        fte[s.id] = _fte_decimal(s.fte)
        home[s.id] = None if pd.isna(s.district_id) else s.district_id
        counts.setdefault(s.id, (0, 0, 0))
    rows = []
    for staff_id in sorted(counts, key=lambda s: (s is None, s or "")):
        active, opened, closed = counts[staff_id]
        # Another district's case manager: the post counts in their own district.
        own = staff_id in fte and home.get(staff_id) == district_id
        staff_fte = fte[staff_id] if own else Decimal("0.00")
        shown = f.suppress(active)
        rows.append(
            {"staff_id": staff_id, "fte": float(staff_fte), "active": shown,
             "opened": f.suppress(opened), "closed": f.suppress(closed),
             "per_fte": _per_fte(shown, staff_fte) if own else None,
             "home_district_id": home.get(staff_id)}
        )
    return rows


# --- budget ---------------------------------------------------------------------------------

def budget(frames, f: Filter) -> dict:
    year, as_of = f.budget_year, f.as_of
    reference_day = min(as_of, date(year, 12, 31))
    ref = _ts(reference_day)
    elapsed_days, days_in_year = q_budget.year_elapsed(year, as_of)

    alloc = frames["budget_allocation"]
    alloc = alloc[alloc["year"] == year]
    allocated = alloc.groupby(["module", "category", "source"])["amount_cents"].sum().to_dict()

    led = frames["ledger_entry"]
    led = led[(led["year"] == year) & (led["booked_on"] <= _ts(as_of))]
    booked = led.groupby(["module", "category", "kind"])["amount_cents"].sum().to_dict()

    months = months_between(date(year, 1, 1), reference_day) if year <= as_of.year else []
    spend = led[(led["kind"] == "AUSGABE") & (led["booked_on"] <= ref)]
    monthly: dict[str, dict[str, int]] = {m: {} for m in q_budget.MODULES}
    sums = spend.groupby([spend["module"], _month(spend["booked_on"])])["amount_cents"].sum()
    for (module, key), cents in sums.items():
        monthly[module][key] = int(cents)

    pos = frames["funded_position"]
    approved = pos[(pos["approved_from"] <= ref) & (pos["approved_to"].isna()
                                                    | (pos["approved_to"] >= ref))]
    fte_approved = approved.groupby("module")["fte_approved"].sum().to_dict()
    st = frames["staff"]
    st = st[(st["active_from"] <= ref) & (st["active_to"].isna() | (st["active_to"] >= ref))]
    filled = st.merge(approved[["id", "module"]], left_on="position_id", right_on="id")
    fte_filled = filled.groupby("module")["fte"].sum().to_dict()
    posts = _occupancy(frames, year)

    def project(cents: int):
        if not elapsed_days:
            return None
        return q_budget.div_round_half_away(cents * days_in_year, elapsed_days)

    elapsed_share = q_budget.ratio(elapsed_days, days_in_year)
    modules = []
    for module in q_budget.MODULES:
        approved_days, filled_days, approved_months, filled_months = posts.get(
            module, (0, 0, Fraction(0), Fraction(0)))
        share = Fraction(filled_days, approved_days) if approved_days else None
        categories = []
        for c in q_budget.CATEGORIES:
            land = int(allocated.get((module, c, "LAND"), 0))
            own = int(allocated.get((module, c, "EIGENANTEIL"), 0))
            spent_c = int(booked.get((module, c, "AUSGABE"), 0))
            projected_c = project(spent_c)
            earned_c = q_budget.land_earned(c, land, projected_c, share)
            categories.append({
                "category": c,
                "allocated_cents": int(sum(v for (m, cat, _s), v in allocated.items()
                                           if m == module and cat == c)),
                "spent_cents": spent_c, "land_cents": land, "own_share_cents": own,
                "projected_cents": projected_c, "land_earned_projected_cents": earned_c,
                "land_forfeit_projected_cents": None if earned_c is None else land - earned_c,
            })
        module_allocated = sum(c["allocated_cents"] for c in categories)
        spent = sum(c["spent_cents"] for c in categories)
        received = sum(int(booked.get((module, c, "EINNAHME"), 0)) for c in q_budget.CATEGORIES)
        land = sum(c["land_cents"] for c in categories)
        projected = project(spent)
        earned = (None if projected is None
                  else sum(c["land_earned_projected_cents"] for c in categories))
        by_month = monthly[module]
        cumulative = []
        if months:
            running = sum(int(v) for k, v in by_month.items() if k < months[0])
            for key in months:
                running += int(by_month.get(key, 0))
                cumulative.append({"month": key, "cumulative_cents": running})
        modules.append(
            {
                "module": module,
                "allocated_cents": module_allocated,
                "spent_cents": spent,
                "received_cents": received,
                "utilisation": q_budget.ratio(spent, module_allocated),
                "elapsed_share": elapsed_share,
                "projected_cents": projected,
                "projected_unspent_cents": (
                    None if projected is None else module_allocated - projected
                ),
                # where spending would stand if the allocation were spent evenly
                "plan_cents": q_budget.div_round_half_away(module_allocated * elapsed_days,
                                                           days_in_year),
                "fte_approved": round(float(fte_approved.get(module, 0.0)), 2),
                "fte_filled": round(float(fte_filled.get(module, 0.0)), 2),
                "land_cents": land,
                "own_share_cents": sum(c["own_share_cents"] for c in categories),
                "occupancy_share": None if share is None else float(share),
                "land_earned_projected_cents": earned,
                "land_forfeit_projected_cents": None if earned is None else land - earned,
                "repayment_projected_cents": None if earned is None else max(0, received - earned),
                "fte_months_approved": float(approved_months),
                "fte_months_filled": float(filled_months),
                "fte_months_vacant": float(approved_months - filled_months),
                "categories": categories,
                "monthly_spent_cents": cumulative,
            }
        )
    # the totals are plain sums of the module figures: the same helper as queries/
    return {"year": year, "modules": modules, "total": q_budget.module_totals(modules)}


def _occupancy(frames, year: int) -> dict[str, tuple[int, int, Fraction, Fraction]]:
    """Per module (approved, filled centi-FTE-days, approved, filled FTE-months) over the year:
    one row per position and day, staff summed per position and day, capped at the approval."""
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    days = pd.DataFrame({"day": pd.date_range(first, last, freq="D")})
    pos = frames["funded_position"]
    pos = pos[(pos["approved_from"] <= last)
              & (pos["approved_to"].isna() | (pos["approved_to"] >= first))]
    grid = pos[["id", "module", "fte_approved", "approved_from", "approved_to"]].merge(
        days, how="cross")
    grid = grid[(grid["approved_from"] <= grid["day"])
                & (grid["approved_to"].isna() | (grid["approved_to"] >= grid["day"]))].copy()
    grid["approved"] = (grid["fte_approved"].astype(float) * 100).round().astype("int64")
    st = frames["staff"]
    st = st[st["position_id"].isin(pos["id"])]
    sd = st[["position_id", "fte", "active_from", "active_to"]].merge(days, how="cross")
    sd = sd[(sd["active_from"] <= sd["day"])
            & (sd["active_to"].isna() | (sd["active_to"] >= sd["day"]))].copy()
    sd["staffed"] = (sd["fte"].astype(float) * 100).round().astype("int64")
    staffed = sd.groupby(["position_id", "day"], as_index=False)["staffed"].sum()
    grid = grid.merge(staffed, left_on=["id", "day"], right_on=["position_id", "day"],
                      how="left")
    grid["staffed"] = grid["staffed"].fillna(0).astype("int64")
    grid["filled"] = np.minimum(grid["approved"], grid["staffed"])
    grid["month_days"] = grid["day"].dt.days_in_month
    out = {}
    for module, part in grid.groupby("module"):
        by_length = part.groupby("month_days")[["approved", "filled"]].sum()
        out[module] = (
            int(part["approved"].sum()), int(part["filled"].sum()),
            sum((Fraction(int(a), 100 * int(n)) for n, a in by_length["approved"].items()),
                Fraction(0)),
            sum((Fraction(int(v), 100 * int(n)) for n, v in by_length["filled"].items()),
                Fraction(0)),
        )
    return out


# --- transitions ----------------------------------------------------------------------------

def _events(frames, f: Filter, table: str, code: str) -> pd.DataFrame:
    """Consecutive episodes of a person with different codes, dated in the period."""
    ep = frames[table]
    ep = ep[ep["valid_from"] <= _ts(f.period_to)].sort_values(["person_id", "valid_from"])
    by_person = ep.groupby("person_id", sort=False)
    ev = pd.DataFrame(
        {
            "person_id": ep["person_id"],
            "event_date": ep["valid_from"],
            "to_code": ep[code],
            "from_code": by_person[code].shift(),
            "prev_to": by_person["valid_to"].shift(),
        }
    )
    ev = ev[ev["from_code"].notna() & (ev["from_code"] != ev["to_code"])
            & (ev["event_date"] >= _ts(f.period_from))]
    gap = (ev["event_date"] - ev["prev_to"]).dt.days - 1
    # An open or overlapping previous episode counts as superseded: no gap (as queries/).
    no_gap = ev["prev_to"].isna() | (ev["prev_to"] >= ev["event_date"])
    ev = ev.assign(gap_days=gap.where(~no_gap, 0).fillna(0).astype(int))
    if f.district is not None:
        ev = ev[_event_district(frames, ev) == f.district]
    return ev


def _event_district(frames, ev: pd.DataFrame) -> pd.Series:
    """District of each event: the person's latest case opened on or before the event date
    (same day: the smaller id is the later), else the person's earliest case; NaN without cases."""
    cases = _cases_with_district(frames)[["id", "person_id", "opened_on", "district_id"]]
    # Of cases opened on the same day only the smallest id can ever be "the latest".
    latest = cases.sort_values("id").drop_duplicates(["person_id", "opened_on"], keep="first")
    latest = latest.sort_values("opened_on")
    left = ev[["person_id", "event_date"]].reset_index().sort_values("event_date")
    # merge_asof wants identical key dtypes; an empty or filtered frame may have lost str dtype.
    left["person_id"] = left["person_id"].astype(object)
    latest["person_id"] = latest["person_id"].astype(object)
    found = pd.merge_asof(
        left, latest.rename(columns={"opened_on": "event_date"})[
            ["person_id", "event_date", "district_id"]],
        on="event_date", by="person_id", direction="backward",
    ).set_index("index")["district_id"]
    # Earliest case: smallest opened_on, on the same day the largest id.
    earliest = cases.sort_values(["opened_on", "id"], ascending=[True, False]).drop_duplicates(
        "person_id", keep="first").set_index("person_id")["district_id"]
    fallback = ev["person_id"].map(earliest)
    return found.reindex(ev.index).fillna(fallback)


def _flows(f: Filter, ev: pd.DataFrame) -> list[dict]:
    counts = ev.groupby(["from_code", "to_code"]).size()
    return [{"from": a, "to": b, "count": f.suppress(int(n))}
            for (a, b), n in sorted(counts.items())]


def transitions(frames, f: Filter) -> dict:
    ev = _events(frames, f, "legal_status_episode", "status")
    per_month = _month(ev["event_date"]).value_counts().to_dict()
    return {
        "total": f.suppress(len(ev)),
        "bleiberecht": f.suppress(int(ev["to_code"].isin(codes.BLEIBERECHT_CODES).sum())),
        "einbuergerungen": f.suppress(int((ev["to_code"] == codes.EINBUERGERUNG_CODE).sum())),
        "flows": _flows(f, ev),
        "monthly": [{"month": k, "count": f.suppress(int(per_month.get(k, 0)))}
                    for k in months_between(f.period_from, f.period_to)],
        "sphere_changes": sphere_changes(frames, f),
    }


def transitions_monthly_by_kind(frames, f: Filter) -> list[dict]:
    ev = _events(frames, f, "legal_status_episode", "status")
    month = _month(ev["event_date"])
    bleibe = month[ev["to_code"].isin(codes.BLEIBERECHT_CODES)].value_counts().to_dict()
    einb = month[ev["to_code"] == codes.EINBUERGERUNG_CODE].value_counts().to_dict()
    return [{"month": k, "bleiberecht": f.suppress(int(bleibe.get(k, 0))),
             "einbuergerungen": f.suppress(int(einb.get(k, 0)))}
            for k in months_between(f.period_from, f.period_to)]


def sphere_changes(frames, f: Filter) -> dict:
    ev = _events(frames, f, "legal_sphere_episode", "sphere")
    return {
        **_gap_figures(f, ev, q_budget.ratio),
        "flows": _flows(f, ev),
        "benefit": benefit_changes(frames, f),
    }


def benefit_changes(frames, f: Filter) -> dict:
    """sphere_changes.benefit: changes between non-KEINE episodes (KEINE is gap), and exits."""
    sp = frames["legal_sphere_episode"]
    benefit = sp[sp["sphere"] != codes.NO_BENEFIT_SPHERE]
    ev = _events({**frames, "_benefit": benefit}, f, "_benefit", "sphere")
    into = _events(frames, f, "legal_sphere_episode", "sphere")
    into = into[into["to_code"] == codes.NO_BENEFIT_SPHERE]
    # the person's first benefit episode starting after the step into KEINE
    left = into[["person_id", "event_date"]].reset_index().sort_values("event_date")
    right = benefit[["person_id", "valid_from"]].rename(columns={"valid_from": "event_date"})
    right = right.assign(next_from=right["event_date"]).sort_values("event_date")
    left["person_id"] = left["person_id"].astype(object)
    right["person_id"] = right["person_id"].astype(object)
    nxt = pd.merge_asof(left, right, on="event_date", by="person_id", direction="forward",
                        allow_exact_matches=False)["next_from"]
    exits = int((nxt.isna() | (nxt > _ts(f.as_of))).sum())
    return {
        **_gap_figures(f, ev, lambda a, b: a / b if b else None),
        "exits": f.suppress(exits),
    }


def _gap_figures(f: Filter, ev: pd.DataFrame, share) -> dict:
    total, seamless = len(ev), int((ev["gap_days"] == 0).sum())
    shown_total, shown_seamless = f.suppress(total), f.suppress(seamless)
    both = shown_total is not None and shown_seamless is not None
    median = float(ev["gap_days"].median()) if total and shown_total is not None else None
    return {
        "total": shown_total,
        "seamless": shown_seamless,
        "seamless_share": share(seamless, total) if both else None,
        "median_gap_days": median,
    }


def sphere_gap_distribution(frames, f: Filter) -> list[dict]:
    gaps = _events(frames, f, "legal_sphere_episode", "sphere")["gap_days"]
    out = []
    for label, low, high in q_transitions.GAP_BUCKETS:
        inside = (gaps >= low) if high is None else gaps.between(low, high)
        out.append({"bucket": label, "count": f.suppress(int(inside.sum()))})
    return out


# --- outcomes (Wirkung) --------------------------------------------------------------------

def _with_case_district(frames, table: str) -> pd.DataFrame:
    """Rows of `table` with the district of their case."""
    cases = _cases_with_district(frames)[["id", "district_id"]]
    return frames[table].merge(cases, left_on="case_id", right_on="id", how="inner")


def _in_district(df: pd.DataFrame, f: Filter) -> pd.DataFrame:
    return df if f.district is None else df[df["district_id"] == f.district]


def _share(numerator: int, denominator: int):
    return numerator / denominator if denominator else None


def _median_days(days: pd.Series):
    return float(days.median()) if len(days) else None


def needs(frames, f: Filter) -> list[dict]:
    df = _in_district(_with_case_district(frames, "case_need"), f)
    start, end = _ts(f.period_from), _ts(f.period_to)
    identified = df[df["identified_on"].between(start, end)].groupby("need").size()
    done = df[df["resolved_on"].between(start, end)]
    resolved = done.groupby("need").size()
    days = (done["resolved_on"] - done["identified_on"]).dt.days
    open_ = df[(df["identified_on"] <= end) & (df["resolved_on"].isna()
                                              | (df["resolved_on"] > end))].groupby("need").size()
    out = []
    for code in q_outcomes.NEED_CODES:
        n_resolved = f.suppress(int(resolved.get(code, 0)))
        out.append({
            "need": code,
            "identified": f.suppress(int(identified.get(code, 0))),
            "resolved": n_resolved,
            "open": f.suppress(int(open_.get(code, 0))),
            "median_days_to_resolve": (_median_days(days[done["need"] == code])
                                       if n_resolved else None),
        })
    return out


def _referral_list(f: Filter, df: pd.DataFrame) -> list[dict]:
    out = []
    for code in q_outcomes.INSTITUTION_CODES:
        rows = df[df["institution"] == code]
        referred = len(rows)
        accepted = int((rows["outcome"] == "ANGENOMMEN").sum())
        declined = int((rows["outcome"] == "ABGELEHNT").sum())
        shown_a, shown_d = f.suppress(accepted), f.suppress(declined)
        out.append({
            "institution": code, "referred": f.suppress(referred), "accepted": shown_a,
            "declined": shown_d, "pending": f.suppress(referred - accepted - declined),
            "accepted_share": (_share(accepted, accepted + declined)
                               if shown_a is not None and shown_d is not None else None),
        })
    return out


def _referrals_in_period(frames, f: Filter) -> pd.DataFrame:
    df = _in_district(_with_case_district(frames, "referral"), f)
    return df[df["referred_on"].between(_ts(f.period_from), _ts(f.period_to))]


def referrals(frames, f: Filter) -> list[dict]:
    return _referral_list(f, _referrals_in_period(frames, f))


def referrals_by_district(frames, f: Filter) -> list[dict]:
    df = _referrals_in_period(frames, f)
    return [{"id": d["id"], "name": d["name"],
             "referrals": _referral_list(f, df[df["district_id"] == d["id"]])}
            for d in districts(frames) if f.district is None or d["id"] == f.district]


def _closed_in_period(frames, f: Filter) -> pd.DataFrame:
    cases = _in_district(_cases_with_district(frames), f)
    closed = cases[cases["closed_on"].between(_ts(f.period_from), _ts(f.period_to))]
    return closed.assign(reason=closed["close_reason"].fillna(NULL_REASON),
                         days=(closed["closed_on"] - closed["opened_on"]).dt.days)


def _closure_object(f: Filter, closed: pd.DataFrame) -> dict:
    counts = closed.groupby("reason").size()
    by_code = {code: int(counts.get(code, 0)) for code in q_outcomes.REASON_CODES}
    total = len(closed)
    shown_total = f.suppress(total)
    goal_shown = shown_total is not None and all(
        f.suppress(by_code[c]) is not None for c in q_outcomes.GOAL_REASONS)
    return {
        "total": shown_total,
        "goal_share": (_share(sum(by_code[c] for c in q_outcomes.GOAL_REASONS), total)
                       if goal_shown else None),
        "median_duration_days": _median_days(closed["days"]) if shown_total else None,
        "reasons": [{"reason": c, "count": f.suppress(by_code[c])}
                    for c in q_outcomes.REASON_CODES],
    }


def closures(frames, f: Filter) -> dict:
    return _closure_object(f, _closed_in_period(frames, f))


def closures_by_district(frames, f: Filter) -> list[dict]:
    closed = _closed_in_period(frames, f)
    return [{"id": d["id"], "name": d["name"],
             **_closure_object(f, closed[closed["district_id"] == d["id"]])}
            for d in districts(frames) if f.district is None or d["id"] == f.district]


def outcomes(frames, f: Filter) -> dict:
    return {"needs": needs(frames, f), "referrals": referrals(frames, f),
            "closures": closures(frames, f)}


def _bucket(dates: pd.Series, grain: str) -> pd.Series:
    if grain == "month":
        return _month(dates)
    if grain == "quarter":
        return dates.dt.year.astype(str) + "-Q" + dates.dt.quarter.astype(str)
    return dates.dt.year.astype(str)


def trend(frames, f: Filter, grain: str = "quarter") -> list[dict]:
    refs = _referrals_in_period(frames, f)
    refs = refs.assign(bucket=_bucket(refs["referred_on"], grain))
    closed = _closed_in_period(frames, f)
    closed = closed.assign(bucket=_bucket(closed["closed_on"], grain))
    out = []
    for key in q_outcomes.buckets(f, grain):
        r = refs[refs["bucket"] == key]
        c = closed[closed["bucket"] == key]
        accepted = int((r["outcome"] == "ANGENOMMEN").sum())
        declined = int((r["outcome"] == "ABGELEHNT").sum())
        goal = int(c["reason"].isin(q_outcomes.GOAL_REASONS).sum())
        shown = {"accepted": f.suppress(accepted), "declined": f.suppress(declined),
                 "closed": f.suppress(len(c)), "goal": f.suppress(goal)}
        out.append({
            "period": key, "referred": f.suppress(len(r)), "accepted": shown["accepted"],
            "declined": shown["declined"],
            "accepted_share": (_share(accepted, accepted + declined)
                               if shown["accepted"] is not None and shown["declined"] is not None
                               else None),
            "closed": shown["closed"], "goal": shown["goal"],
            "goal_share": (_share(goal, len(c)) if shown["closed"] is not None
                           and shown["goal"] is not None else None),
        })
    return out


# --- reference data -------------------------------------------------------------------------

def districts(frames) -> list[dict]:
    d = frames["district"].sort_values("id")
    return [{"id": r.id, "name": r.name} for r in d.itertuples()]


def municipalities(frames, district_id: str | None = None) -> list[dict]:
    m = frames["municipality"].sort_values("ags")
    if district_id is not None:
        m = m[m["district_id"] == district_id]
    return [{"ags": r.ags, "name": r.name,
             "district_id": None if pd.isna(r.district_id) else r.district_id,
             "population": None if pd.isna(r.population) else int(r.population)}
            for r in m.itertuples()]


def data_as_of(frames):
    runs = frames["import_run"]
    ok = runs[runs["outcome"] == "OK"].sort_values("id")
    return None if ok.empty else pd.Timestamp(ok["finished_at"].iloc[-1]).date()


def datenstand(frames) -> date | None:
    """The latest OK run's `exported_on`, else the day it finished (queries/runs.py)."""
    runs = frames["import_run"]
    ok = runs[runs["outcome"] == "OK"].sort_values("id")
    if ok.empty:
        return None
    last = ok.iloc[-1]
    if last["exported_on"] is not None and not pd.isna(last["exported_on"]):
        return pd.Timestamp(last["exported_on"]).date()
    return pd.Timestamp(last["finished_at"]).date()


def territory(frames) -> q_territory.Territory:
    """The territory row, else the Kreis from its municipalities (queries/territory.py)."""
    rows = frames["territory"].sort_values("ags")
    if not rows.empty:
        r = rows.iloc[0]
        started = r["started_on"]
        return q_territory.Territory(
            name=r["name"], kind=r["kind"], ags=r["ags"], from_row=True,
            started_on=(q_territory.DEFAULT_START if started is None or pd.isna(started)
                        else pd.Timestamp(started).date()))
    name = kreis_name(frames)
    keys = frames["municipality"]["ags"].sort_values()
    key = None if keys.empty else keys.iloc[0]
    city = (key is not None and "-" in key) or name.startswith("Stadt ")
    return q_territory.Territory(name=name,
                                 kind=q_territory.CITY if city else q_territory.KREIS)


def kreis_name(frames) -> str:
    import os

    configured = os.environ.get("KIM_KREIS_NAME", "").strip()
    if configured:
        return configured
    prefixes = frames["municipality"]["ags"].str[:5]
    if prefixes.empty:
        return meta.FALLBACK_KREIS_NAME
    counts = prefixes.value_counts()
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return codes.NRW_KREISE.get(top, meta.FALLBACK_KREIS_NAME)


def import_runs(frames, limit: int = 50) -> list[dict]:
    """The latest `limit` runs, newest first; datetimes as `datetime`, missing values as None."""
    runs = frames["import_run"].sort_values("id", ascending=False).head(max(0, int(limit)))

    def moment(value):
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def text(value):
        return None if value is None or pd.isna(value) else value

    def day(value):
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    return [
        {"id": int(r.id), "started_at": moment(r.started_at), "finished_at": moment(r.finished_at),
         "source": r.source, "outcome": r.outcome, "files": r.files, "message": text(r.message),
         "exported_on": day(getattr(r, "exported_on", None))}
        for r in runs.itertuples()
    ]


def table_counts(frames) -> dict[str, int]:
    """len() of every data table in load order, then of import_run."""
    names = [t.name for t in schema.DATA_TABLES] + [schema.import_run.name]
    return {name: len(frames[name]) for name in names}


# --- data quality ---------------------------------------------------------------------------

# key -> (title, description, subject), in the order of the Datenstand page (queries/quality.py).
_CHECKS = {
    "case_without_case_manager": (
        "Offene Fälle ohne Case Manager",
        "Am Stichtag laufende Fälle, denen kein Case Manager zugeordnet ist.",
        "case",
    ),
    "case_with_inactive_case_manager": (
        "Offene Fälle bei nicht aktivem Case Manager",
        "Am Stichtag laufende Fälle, deren Case Manager an diesem Tag nicht (mehr) "
        "beschäftigt ist.",
        "case",
    ),
    "stale_open_episode": (
        "Offene Status- oder Rechtskreisepisode lange nach Fallende",
        "Personen, deren letzter Fall vor mehr als einem Jahr endete, die aber noch einen "
        "offenen Aufenthaltsstatus oder Rechtskreis ohne Enddatum haben.",
        "person",
    ),
    "booking_without_allocation": (
        "Buchungen ohne Bewilligung",
        "Buchungen auf ein Modul und Haushaltsjahr, für die keine Bewilligung erfasst ist.",
        "booking",
    ),
    "vacant_position": (
        "Bewilligte Stellen seit über sechs Monaten unbesetzt",
        f"Am Stichtag bewilligte Stellen, auf denen an keinem der letzten "
        f"{q_quality.VACANCY_DAYS} Tage jemand beschäftigt war.",
        "position",
    ),
    "transition_before_arrival": (
        "Statuswechsel vor der Einreise",
        "Personen mit einem Wechsel des Aufenthaltsstatus, der vor ihrem Einreisedatum liegt.",
        "person",
    ),
}


def _warning(key: str, ids: pd.Series) -> dict:
    """The distinct ids, counted, and the first ten in plain string (code point) order."""
    found = sorted(str(i) for i in ids.dropna().unique())
    title, description, subject = _CHECKS[key]
    return {"key": key, "title": title, "description": description, "subject": subject,
            "count": len(found), "examples": found[:q_quality.MAX_EXAMPLES]}


def _active_cases(frames, day: pd.Timestamp) -> pd.DataFrame:
    cases = frames["case_file"]
    return cases[(cases["opened_on"] <= day)
                 & (cases["closed_on"].isna() | (cases["closed_on"] > day))]


def quality_warnings(frames, as_of: date) -> list[dict]:
    """The six checks of queries/quality.py for reference day `as_of`, in the page's order."""
    day = _ts(as_of)
    active = _active_cases(frames, day)

    # Cases active on as_of without a case manager, and with one not active on as_of.
    without = active.loc[active["staff_id"].isna(), "id"]
    staff = frames["staff"]
    inactive_staff = staff.loc[(staff["active_from"] > day) | (staff["active_to"] < day), "id"]
    inactive = active.loc[active["staff_id"].isin(inactive_staff), "id"]

    # Persons with cases opened up to as_of, none of them active, the latest closed before the
    # same day a year earlier, and an open-ended status or sphere episode begun by as_of.
    cases = frames["case_file"]
    upto = cases[cases["opened_on"] <= day]
    per_person = upto.assign(
        running=upto["closed_on"].isna() | (upto["closed_on"] > day)
    ).groupby("person_id").agg(running=("running", "any"), closed_max=("closed_on", "max"))
    open_persons = pd.concat([
        ep.loc[ep["valid_to"].isna() & (ep["valid_from"] <= day), "person_id"]
        for ep in (frames["legal_status_episode"], frames["legal_sphere_episode"])
    ])
    stale = per_person.index[
        ~per_person["running"].astype(bool)
        & (per_person["closed_max"] < _ts(shift_years(as_of, -1)))
        & per_person.index.isin(open_persons)
    ].to_series()

    # Bookings up to as_of on a (year, module) without any allocation row.
    led = frames["ledger_entry"]
    led = led[led["booked_on"] <= day]
    allocated = pd.MultiIndex.from_frame(frames["budget_allocation"][["year", "module"]])
    unallocated = led.loc[~pd.MultiIndex.from_frame(led[["year", "module"]]).isin(allocated), "id"]

    # Positions approved throughout the last VACANCY_DAYS days with nobody active on any of them.
    window_start = _ts(as_of - timedelta(days=q_quality.VACANCY_DAYS - 1))
    pos = frames["funded_position"]
    staffed = staff.loc[(staff["active_from"] <= day) & (staff["active_to"].isna()
                                                         | (staff["active_to"] >= window_start)),
                        "position_id"]
    vacant = pos.loc[(pos["approved_from"] <= window_start)
                     & (pos["approved_to"].isna() | (pos["approved_to"] >= day))
                     & ~pos["id"].isin(staffed), "id"]

    # Status transitions (consecutive episodes with different codes) up to as_of, dated before
    # the person's arrival.
    ep = frames["legal_status_episode"].sort_values(["person_id", "valid_from"])
    previous = ep.groupby("person_id", sort=False)["status"].shift()
    # reindex, not map: map of an empty object column casts the datetimes to float and fails.
    arrival = pd.Series(frames["person"].set_index("id")["arrival_date"]
                        .reindex(ep["person_id"]).to_numpy(), index=ep.index)
    before = ep.loc[previous.notna() & (previous != ep["status"]) & (ep["valid_from"] <= day)
                    & arrival.notna() & (ep["valid_from"] < arrival), "person_id"]

    found = {
        "case_without_case_manager": without,
        "case_with_inactive_case_manager": inactive,
        "stale_open_episode": stale,
        "booking_without_allocation": unallocated,
        "vacant_position": vacant,
        "transition_before_arrival": before,
    }
    return [_warning(key, found[key]) for key in _CHECKS]


# queries/ function -> (peer function, tables it reads)
_CASES = ("district", "municipality", "case_file")
_STAFF = ("staff", "funded_position")
PEERS: dict[Callable, tuple[Callable, tuple[str, ...]]] = {
    q_caseload.caseload: (caseload, _CASES + _STAFF),
    q_caseload.opened_closed_monthly: (opened_closed_monthly, _CASES),
    q_caseload.caseload_by_staff: (caseload_by_staff, _CASES + _STAFF),
    q_budget.budget: (budget, ("budget_allocation", "ledger_entry", *_STAFF)),
    q_transitions.transitions: (
        transitions, ("legal_status_episode", "legal_sphere_episode", *_CASES)),
    q_transitions.transitions_monthly_by_kind: (
        transitions_monthly_by_kind, ("legal_status_episode", *_CASES)),
    q_transitions.sphere_changes: (sphere_changes, ("legal_sphere_episode", *_CASES)),
    q_transitions.sphere_gap_distribution: (
        sphere_gap_distribution, ("legal_sphere_episode", *_CASES)),
    q_outcomes.needs: (needs, ("case_need", *_CASES)),
    q_outcomes.referrals: (referrals, ("referral", *_CASES)),
    q_outcomes.referrals_by_district: (referrals_by_district, ("referral", *_CASES)),
    q_outcomes.closures: (closures, _CASES),
    q_outcomes.closures_by_district: (closures_by_district, _CASES),
    q_outcomes.outcomes: (outcomes, ("case_need", "referral", *_CASES)),
    q_outcomes.trend: (trend, ("referral", *_CASES)),
    meta.districts: (districts, ("district",)),
    meta.municipalities: (municipalities, ("municipality",)),
    meta.data_as_of: (data_as_of, ("import_run",)),
    meta.kreis_name: (kreis_name, ("municipality",)),
    q_runs.datenstand: (datenstand, ("import_run",)),
    q_territory.read: (territory, ("territory", "municipality")),
    meta.import_runs: (import_runs, ("import_run",)),
    meta.table_counts: (table_counts, (*(t.name for t in schema.DATA_TABLES), "import_run")),
    q_quality.quality_warnings: (quality_warnings, (
        "case_file", "staff", "funded_position", "person", "legal_status_episode",
        "legal_sphere_episode", "budget_allocation", "ledger_entry")),
}


def agrees(expected, got) -> bool:
    """The peer's numbers match queries/'s: equal, except where queries/ hides a value the peer
    shows. The peer applies primary suppression only (Filter.suppress); secondary suppression
    (queries/disclosure.py) decides what is published, not how it is computed, and the
    benchmark compares the computation. With K = 0 or 1 nothing is hidden: plain equality."""
    if expected is None:
        return True
    if isinstance(expected, dict):
        return isinstance(got, dict) and expected.keys() == got.keys() and all(
            agrees(expected[k], got[k]) for k in expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(
            agrees(e, g) for e, g in zip(expected, got, strict=True))
    return expected == got


def peer_for(fn: Callable):
    """(peer function, tables) for a queries/ function, None when the peer has no equivalent."""
    return PEERS.get(fn)


def run(conn: Connection, calls: list[tuple[Callable, tuple]]) -> list:
    """What a pandas Dash callback does for `calls` [(queries fn, args)]: read every table the
    calls need once, then compute each figure. Raises KeyError for a function without a peer."""
    needed: list[str] = []
    for fn, _args in calls:
        for name in PEERS[fn][1]:
            if name not in needed:
                needed.append(name)
    frames = read_tables(conn, needed)
    return [PEERS[fn][0](frames, *args) for fn, args in calls]
