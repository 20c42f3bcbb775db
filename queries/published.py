"""Every count the dashboard publishes for one filter, with the equations between them: the
`Book` that disclosure control (queries/disclosure.py) protects.

One filter is a period, a district or none, and K; for it the dashboard publishes (KPIS.md,
UX.md): the caseload of the scope, its districts and their municipalities, the drill-downs by
case manager of every district and every municipality of the scope (roles with the
"case_managers" permission see them, and they are protected for everyone alike), the monthly
series, the status transitions with their flows and months, Bleiberecht and Einbürgerungen by
month, the sphere changes with flows and gap buckets, the benefit changes, needs, referrals and
closures Kreis-wide and by district, and the Wirkung trend in every grain. The keys are the
ones the figure functions pass to `Disclosure.show` (a test checks that every published count
is in the book).

Equations (Group: total = sum of parts):
- caseload per metric (active, opened, closed): scope = districts; district = municipalities;
  district = its case managers (with "ohne Case Manager"); municipality = its case managers;
  case manager in a district = the same case manager in the district's municipalities;
  opened/closed: the period = its months; active: the last month = the period's figure;
- transitions: total = flows = months; Bleiberecht = its flows = its months; Einbürgerungen the
  same; a month = its Bleiberecht + its Einbürgerungen + the rest (latent); total = Bleiberecht
  + Einbürgerungen + the rest (latent);
- sphere changes: total = flows = gap buckets; seamless = the bucket "0";
  benefit changes: total = seamless + the rest (latent);
- referrals (scope and each district, per institution): referred = accepted + declined +
  pending; scope = districts; the trend: all referrals (latent: the sum over institutions) =
  the buckets of each grain; a quarter = its months; a year = its quarters;
- closures (scope and each district): closed = reasons; scope = districts; the trend: closed =
  buckets, goal (latent: ZIEL + UEBERGABE) = buckets; a bucket's closed = goal + the rest
  (latent); quarters and years as above; the caseload's closed cases = the closures' total
  when the two count the same cases.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from . import caseload, codes, disclosure, outcomes, schema, transitions
from .disclosure import Book
from .filters import Filter, months_between

GRAINS = outcomes.GRAINS


def book_for(conn: Connection, f: Filter) -> Book:
    book = Book()
    _caseload(conn, f, book)
    _transitions(conn, f, book)
    _outcomes(conn, f, book)
    return book


disclosure.register_book(book_for)


# --- caseload ------------------------------------------------------------------------------------


def _scope(conn: Connection, f: Filter) -> tuple[list[str], dict[str, list[str]]]:
    """District ids of the scope and their municipalities' AGS (every one, as the page lists)."""
    d = schema.district
    m = schema.municipality
    query = select(d.c.id).order_by(d.c.id)
    if f.district is not None:
        query = query.where(d.c.id == f.district)
    districts = [r.id for r in conn.execute(query)]
    members: dict[str, list[str]] = {i: [] for i in districts}
    for r in conn.execute(select(m.c.ags, m.c.district_id).order_by(m.c.ags)):
        if r.district_id in members:
            members[r.district_id].append(r.ags)
    return districts, members


def _caseload(conn: Connection, f: Filter, book: Book) -> None:
    districts, members = _scope(conn, f)
    by_mun = caseload.municipality_counts(conn, f)
    by_staff = caseload.staff_municipality_counts(conn, f)
    mun_district = {ags: d for d, list_ in members.items() for ags in list_}
    staff_of_mun: dict[str, dict] = defaultdict(dict)
    staff_of_district: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for (ags, staff_id), values in by_staff.items():
        if ags not in mun_district:
            continue
        staff_of_mun[ags][staff_id] = values
        sums = staff_of_district[mun_district[ags]][staff_id]
        for i, v in enumerate(values):
            sums[i] += v
    for i, metric in enumerate(caseload.METRICS):
        total_key = ("cl", metric)
        scope_total = 0
        district_keys = []
        for d in districts:
            d_key = ("cl", metric, "D", d)
            mun_keys = []
            d_sum = 0
            for ags in members[d]:
                n = by_mun.get(ags, (0, 0, 0))[i]
                d_sum += n
                mun_keys.append(book.add(("cl", metric, "G", ags), n))
                staff = staff_of_mun.get(ags, {})
                book.group(book.add(("cl", metric, "G", ags), n),
                           [book.add(("cl", metric, "GS", ags, s), v[i])
                            for s, v in staff.items()],
                           f"Gemeinde {ags} = ihre Case Manager ({metric})")
            book.add(d_key, d_sum)
            book.group(d_key, mun_keys, f"Bezirk {d} = seine Gemeinden ({metric})")
            staff = staff_of_district.get(d, {})
            book.group(d_key, [book.add(("cl", metric, "DS", d, s), v[i])
                               for s, v in staff.items()],
                       f"Bezirk {d} = seine Case Manager ({metric})")
            for s in staff:
                book.group(("cl", metric, "DS", d, s),
                           [("cl", metric, "GS", ags, s) for ags in members[d]
                            if s in staff_of_mun.get(ags, {})],
                           f"Case Manager {s} in {d} = in den Gemeinden ({metric})")
            district_keys.append(d_key)
            scope_total += d_sum
        book.add(total_key, scope_total)
        book.group(total_key, district_keys, f"Summe = Bezirke ({metric})")
    # Monthly series.
    active = caseload.monthly_active_counts(conn, f)
    for month, n in active.items():
        book.add(("cl", "active", "M", month), n)
    if active:
        last = list(active)[-1]
        book.group(("cl", "active"), [("cl", "active", "M", last)],
                   "aktive Fälle: letzter Monat = Stichtag")
    opened, closed = caseload.opened_closed_counts(conn, f)
    months = months_between(f.period_from, f.as_of)
    for metric, series in (("opened", opened), ("closed", closed)):
        book.group(("cl", metric),
                   [book.add(("cl", metric, "M", m), series.get(m, 0)) for m in months],
                   f"{metric}: Zeitraum = Monate")


# --- transitions ----------------------------------------------------------------------------------


def _transitions(conn: Connection, f: Filter, book: Book) -> None:
    rows = transitions.status_counts(conn, f)
    months = months_between(f.period_from, f.period_to)
    by_month = {m: 0 for m in months}
    bleibe_month = {m: 0 for m in months}
    einb_month = {m: 0 for m in months}
    flows: dict[tuple[str, str], int] = {}
    for key, frm, to, n in rows:
        by_month[key] = by_month.get(key, 0) + n
        flows[(frm, to)] = flows.get((frm, to), 0) + n
        if to in codes.BLEIBERECHT_CODES:
            bleibe_month[key] = bleibe_month.get(key, 0) + n
        if to == codes.EINBUERGERUNG_CODE:
            einb_month[key] = einb_month.get(key, 0) + n
    total = book.add(("tr", "total"), sum(by_month.values()))
    bleibe = book.add(("tr", "bleiberecht"), sum(bleibe_month.values()))
    einb = book.add(("tr", "einbuergerungen"), sum(einb_month.values()))
    flow_keys = {pair: book.add(("tr", "F", *pair), n) for pair, n in flows.items() if n > 0}
    book.group(total, flow_keys.values(), "Statuswechsel = Ströme")
    book.group(bleibe, [k for (_frm, to), k in flow_keys.items()
                        if to in codes.BLEIBERECHT_CODES], "Bleiberecht = seine Ströme")
    book.group(einb, [k for (_frm, to), k in flow_keys.items()
                      if to == codes.EINBUERGERUNG_CODE], "Einbürgerungen = ihre Ströme")
    book.group(total, [book.add(("tr", "M", m), by_month[m]) for m in months],
               "Statuswechsel = Monate")
    book.group(bleibe, [book.add(("tr", "bleiberecht", "M", m), bleibe_month[m])
                        for m in months], "Bleiberecht = Monate")
    book.group(einb, [book.add(("tr", "einbuergerungen", "M", m), einb_month[m])
                      for m in months], "Einbürgerungen = Monate")
    for m in months:
        rest = by_month[m] - bleibe_month[m] - einb_month[m]
        book.group(("tr", "M", m), [("tr", "bleiberecht", "M", m),
                                    ("tr", "einbuergerungen", "M", m),
                                    book.add_latent(("tr", "rest", "M", m), rest)],
                   f"Monat {m} = Bleiberecht + Einbürgerungen + übrige")
    rest = book.value(total) - book.value(bleibe) - book.value(einb)
    book.group(total, [bleibe, einb, book.add_latent(("tr", "rest"), rest)],
               "Statuswechsel = Bleiberecht + Einbürgerungen + übrige")

    sphere = transitions.sphere_counts(conn, f)
    histogram = transitions._gap_histogram(sphere)
    sp_total = book.add(("sp", "total"), sum(n for _, n in histogram))
    sp_seamless = book.add(("sp", "seamless"), sum(n for gap, n in histogram if gap == 0))
    sp_flows: dict[tuple[str, str], int] = {}
    for frm, to, _gap, n in sphere:
        sp_flows[(frm, to)] = sp_flows.get((frm, to), 0) + n
    book.group(sp_total, [book.add(("sp", "F", *pair), n)
                          for pair, n in sorted(sp_flows.items()) if n > 0],
               "Rechtskreiswechsel = Ströme")
    bucket_keys = [book.add(("sp", "B", label), n)
                   for label, n in transitions.gap_buckets(histogram)]
    book.group(sp_total, bucket_keys, "Rechtskreiswechsel = Lückenklassen")
    book.group(sp_seamless, [("sp", "B", transitions.GAP_BUCKETS[0][0])],
               "nahtlos = Lücke 0 Tage")

    benefit, exits = transitions.benefit_counts(conn, f)
    bn_total = book.add(("bn", "total"), sum(n for _, n in benefit))
    bn_seamless = book.add(("bn", "seamless"), sum(n for gap, n in benefit if gap == 0))
    book.add(("bn", "exits"), exits)
    book.group(bn_total, [bn_seamless, book.add_latent(
        ("bn", "gap"), book.value(bn_total) - book.value(bn_seamless))],
        "Leistungswechsel = nahtlos + mit Lücke")


# --- outcomes ------------------------------------------------------------------------------------


def _outcomes(conn: Connection, f: Filter, book: Book) -> None:
    districts = [d["id"] for d in outcomes._listed_districts(conn, f)]
    counts = outcomes.need_counts(conn, f)
    for need in outcomes.NEED_CODES:
        for metric in ("identified", "resolved", "open"):
            book.add(("nd", metric, need),
                     sum(v[metric] for key, v in counts.items() if key[1] == need))

    ref_counts = outcomes.referral_counts(conn, f)
    scope = outcomes._sum_outcomes(ref_counts, lambda _key: True)
    per_district = {d: outcomes._sum_outcomes(ref_counts, lambda key, i=d: key[0] == i)
                    for d in districts}
    for inst in outcomes.INSTITUTION_CODES:
        for level, summed in (((), scope), *((("D", d), per_district[d]) for d in districts)):
            exact = outcomes.referral_figures(summed[inst])
            keys = {m: book.add(("rf", m, *level, inst), exact[m])
                    for m in outcomes.REFERRAL_METRICS}
            book.group(keys["referred"], [keys["accepted"], keys["declined"], keys["pending"]],
                       f"Vermittlungen {inst} = angenommen + abgelehnt + offen")
        for m in outcomes.REFERRAL_METRICS:
            book.group(("rf", m, inst), [("rf", m, "D", d, inst) for d in districts],
                       f"Vermittlungen {inst} = Bezirke ({m})")

    closure_counts = outcomes.closure_counts(conn, f)
    levels = [((), lambda _key: True)] + [(("D", d), lambda key, i=d: key[0] == i)
                                          for d in districts]
    for level, keep in levels:
        by_reason, total = outcomes.closure_figures(outcomes._closures_of(closure_counts, keep))
        total_key = book.add(("cz", "total", *level), total)
        book.group(total_key, [book.add(("cz", "R", *level, code), n)
                               for code, n in by_reason.items()],
                   "abgeschlossene Fälle = Gründe")
        # The caseload's closed cases are the same cases: one equation when they agree.
        closed_key = ("cl", "closed", *level)
        if closed_key in book.cells and book.cells[closed_key] == total:
            book.group(closed_key, [total_key], "abgeschlossene Fälle (Fallzahlen = Wirkung)")
    book.group(("cz", "total"), [("cz", "total", "D", d) for d in districts],
               "abgeschlossene Fälle = Bezirke")
    for code in outcomes.REASON_CODES:
        book.group(("cz", "R", code), [("cz", "R", "D", d, code) for d in districts],
                   f"Abschlussgrund {code} = Bezirke")

    referred_all = book.add_latent(("rf", "referred", "all"),
                                   sum(book.cells[("rf", "referred", i)]
                                       for i in outcomes.INSTITUTION_CODES))
    book.group(referred_all, [("rf", "referred", i) for i in outcomes.INSTITUTION_CODES],
               "alle Vermittlungen = Einrichtungen")
    for m in ("accepted", "declined"):
        book.group(book.add_latent(("rf", m, "all"),
                                   sum(book.cells[("rf", m, i)]
                                       for i in outcomes.INSTITUTION_CODES)),
                   [("rf", m, i) for i in outcomes.INSTITUTION_CODES],
                   f"alle Vermittlungen ({m}) = Einrichtungen")
    goal_total = book.add_latent(("cz", "goal"), sum(book.cells[("cz", "R", c)]
                                                     for c in outcomes.GOAL_REASONS))
    book.group(goal_total, [("cz", "R", c) for c in outcomes.GOAL_REASONS],
               "Ziel erreicht = ZIEL + UEBERGABE")
    months = outcomes.buckets(f, "month")
    monthly = outcomes.monthly_outcome_counts(conn, f)
    for grain in GRAINS:
        refs, closed = outcomes.trend_counts(conn, f, grain, monthly)
        for m in ("referred", "accepted", "declined"):
            book.group(("rf", m, "all"),
                       [book.add(("rf", m, grain, b), v[m]) for b, v in refs.items()],
                       f"Vermittlungen ({m}) = {grain}")
        book.group(("cz", "total"),
                   [book.add(("cz", "closed", grain, b), v["closed"]) for b, v in closed.items()],
                   f"abgeschlossene Fälle = {grain}")
        book.group(goal_total,
                   [book.add(("cz", "goal", grain, b), v["goal"]) for b, v in closed.items()],
                   f"Ziel erreicht = {grain}")
        for b, v in closed.items():
            book.group(("cz", "closed", grain, b),
                       [("cz", "goal", grain, b),
                        book.add_latent(("cz", "other", grain, b), v["closed"] - v["goal"])],
                       f"{b}: abgeschlossen = Ziel erreicht + übrige")
    # Coarser buckets are sums of finer ones.
    for coarse, fine in (("quarter", "month"), ("year", "quarter")):
        members: dict[str, list[str]] = defaultdict(list)
        for month in months:
            members[outcomes.bucket_of(month, coarse)].append(outcomes.bucket_of(month, fine))
        for bucket, parts in members.items():
            parts = list(dict.fromkeys(parts))
            for prefix, m in (("rf", "referred"), ("rf", "accepted"), ("rf", "declined"),
                              ("cz", "closed"), ("cz", "goal")):
                book.group((prefix, m, coarse, bucket), [(prefix, m, fine, p) for p in parts],
                           f"{bucket} = {fine}")
