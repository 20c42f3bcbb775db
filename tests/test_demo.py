"""The demo data: deterministic, within the rules of DATA_MODEL.md, as the Beschlussvorlage says."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import and_, func, insert, literal, or_, select

from queries import demo, schema

UNTIL = date(2025, 6, 30)
PERSONS = 200


def _dump(conn) -> dict[str, list[tuple]]:
    """Every row of every data table, in a stable order."""
    out = {}
    for table in schema.DATA_TABLES:
        cols = list(table.columns)
        out[table.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*cols))]
    return out


def test_same_input_gives_identical_rows_and_one_import_run(engine):
    counts = demo.generate(engine, persons=PERSONS, seed=7, until=UNTIL)
    with engine.connect() as conn:
        first = _dump(conn)
        runs = conn.execute(select(schema.import_run)).mappings().all()
    assert {name: len(rows) for name, rows in first.items()} == counts
    assert counts["person"] == PERSONS
    assert len(runs) == 1
    assert runs[0]["source"] == "demo" and runs[0]["outcome"] == "OK"
    assert runs[0]["files"] == {name: {"rows": n} for name, n in counts.items()}

    # a second run replaces everything with the very same rows and adds one more run
    demo.generate(engine, persons=PERSONS, seed=7, until=UNTIL)
    with engine.connect() as conn:
        assert _dump(conn) == first
        assert conn.execute(select(func.count()).select_from(schema.import_run)).scalar() == 2

    # the comparison is not vacuous: another seed gives other persons
    demo.generate(engine, persons=PERSONS, seed=8, until=UNTIL)
    with engine.connect() as conn:
        other = _dump(conn)
    assert other["person"] != first["person"]
    assert other["budget_allocation"] == first["budget_allocation"]


def test_municipalities_and_districts_of_kreis_coesfeld(engine):
    demo.generate(engine, persons=20, until=UNTIL)
    with engine.connect() as conn:
        districts = conn.execute(
            select(schema.district.c.id, schema.district.c.name).order_by(schema.district.c.id)
        ).all()
        m = schema.municipality
        munis = conn.execute(
            select(m.c.ags, m.c.name, m.c.district_id, m.c.population).order_by(m.c.ags)
        ).all()
    assert [tuple(r) for r in districts] == [("MITTE", "Mitte"), ("NORD", "Nord"), ("SUED", "Süd")]
    assert [(a, n, d) for a, n, d, _ in munis] == [
        ("05558004", "Ascheberg", "SUED"),
        ("05558008", "Billerbeck", "NORD"),
        ("05558012", "Coesfeld", "NORD"),
        ("05558016", "Dülmen", "MITTE"),
        ("05558020", "Havixbeck", "NORD"),
        ("05558024", "Lüdinghausen", "SUED"),
        ("05558028", "Nordkirchen", "SUED"),
        ("05558032", "Nottuln", "MITTE"),
        ("05558036", "Olfen", "SUED"),
        ("05558040", "Rosendahl", "NORD"),
        ("05558044", "Senden", "SUED"),
    ]
    # 15,500 + 11,700 + 37,000 + 47,500 + 12,000 + 25,500 + 10,500 + 20,000 + 13,000
    # + 11,000 + 20,500 = 224,200 inhabitants
    assert sum(p for *_, p in munis) == 224_200


def _fte_approved(conn, module: str, day: date) -> float:
    p = schema.funded_position
    return conn.execute(
        select(func.coalesce(func.sum(p.c.fte_approved), 0)).where(
            p.c.module == module,
            p.c.approved_from <= day,
            or_(p.c.approved_to.is_(None), p.c.approved_to >= day),
        )
    ).scalar()


def test_positions_modul_ii_grows_from_6_to_12(engine):
    demo.generate(engine, persons=20, until=UNTIL)
    with engine.connect() as conn:
        assert _fte_approved(conn, "II", date(2020, 7, 1)) == 6
        assert _fte_approved(conn, "II", date(2020, 12, 31)) == 6
        assert _fte_approved(conn, "II", date(2021, 1, 1)) == 12
        assert _fte_approved(conn, "II", date(2024, 12, 31)) == 12
        # Modul I: 3.5 coordinators + 0.5 Verwaltungsassistenz; Modul III: 0.5 ABH + 0.5 EBB
        assert _fte_approved(conn, "I", date(2022, 1, 1)) == 4
        assert _fte_approved(conn, "III", date(2022, 1, 1)) == 1
        assert _fte_approved(conn, "II", date(2020, 6, 30)) == 0


def _allocation(conn, year, module, category, source):
    b = schema.budget_allocation
    return conn.execute(
        select(b.c.amount_cents).where(
            b.c.year == year, b.c.module == module, b.c.category == category,
            b.c.source == source,
        )
    ).scalar_one_or_none()


def test_allocations_follow_the_beschlussvorlage(engine):
    demo.generate(engine, persons=20, until=UNTIL)
    with engine.connect() as conn:
        # Modul I personnel: 3.5 x 55,000 € + the half post of Verwaltungsassistenz at 22,500 €
        # = 192,500 + 22,500 = 215,000 €; 2020 only from 1 July: 107,500 €
        assert _allocation(conn, 2021, "I", "PERSONAL", "LAND") == 21_500_000
        assert _allocation(conn, 2020, "I", "PERSONAL", "LAND") == 10_750_000
        # material: 3.5 x 9,700 € + 4,850 € = 33,950 + 4,850 = 38,800 €; 2020: 19,400 €
        assert _allocation(conn, 2021, "I", "SACH", "LAND") == 3_880_000
        assert _allocation(conn, 2020, "I", "SACH", "LAND") == 1_940_000
        # events up to 10,000 €, measures up to 30,000 €, advice 6 days x 1,012 € = 6,072 €
        assert _allocation(conn, 2022, "I", "VERANSTALTUNG", "LAND") == 1_000_000
        assert _allocation(conn, 2022, "I", "MASSNAHME", "LAND") == 3_000_000
        assert _allocation(conn, 2022, "I", "BERATUNG", "LAND") == 607_200
        assert _allocation(conn, 2020, "I", "BERATUNG", "LAND") == 303_600
        # Modul II: 6 x 27,500 € = 165,000 € for half of 2020; 12 x 55,000 € = 660,000 € in
        # 2021 and 2022; 12 x 57,000 € = 684,000 € from 2023
        assert _allocation(conn, 2020, "II", "PERSONAL", "LAND") == 16_500_000
        assert _allocation(conn, 2021, "II", "PERSONAL", "LAND") == 66_000_000
        assert _allocation(conn, 2022, "II", "PERSONAL", "LAND") == 66_000_000
        assert _allocation(conn, 2023, "II", "PERSONAL", "LAND") == 68_400_000
        # Modul III: 2 x 25,000 € = 50,000 €, paid in full for 2020 already
        assert _allocation(conn, 2020, "III", "PERSONAL", "LAND") == 5_000_000
        assert _allocation(conn, 2025, "III", "PERSONAL", "LAND") == 5_000_000
        # own share = real cost - Land: 2021 at tariff index 1.014,
        # 3.5 x 70,000 x 1.014 + 0.5 x 52,000 x 1.014 = 248,430 + 26,364 = 274,794 €,
        # minus 215,000 € = 59,794 €
        assert _allocation(conn, 2021, "I", "PERSONAL", "EIGENANTEIL") == 5_979_400
        # the Land funds no material for Modul II and III
        assert _allocation(conn, 2021, "II", "SACH", "LAND") is None
        assert _allocation(conn, 2021, "III", "SACH", "LAND") is None
        b = schema.budget_allocation
        years = conn.execute(select(b.c.year).distinct().order_by(b.c.year)).scalars().all()
        # 2020 up to the year of `until`, and the next year approved in advance
        assert years == [2020, 2021, 2022, 2023, 2024, 2025, 2026]
        sources = conn.execute(
            select(b.c.source).where(b.c.year == 2026).distinct().order_by(b.c.source)
        ).scalars().all()
        assert sources == ["EIGENANTEIL", "LAND"]


def _overlaps(conn, table):
    """Pairs of episodes of one person that overlap, or an open one that is not the latest."""
    a, b = table.alias("a"), table.alias("b")
    return conn.execute(
        select(func.count()).select_from(a).join(
            b,
            and_(
                a.c.person_id == b.c.person_id,
                a.c.valid_from < b.c.valid_from,
                or_(a.c.valid_to.is_(None), a.c.valid_to >= b.c.valid_from),
            ),
        )
    ).scalar()


@pytest.mark.parametrize("table", [schema.legal_status_episode, schema.legal_sphere_episode])
def test_no_overlapping_episodes(engine, table):
    demo.generate(engine, persons=PERSONS, until=UNTIL)
    with engine.connect() as conn:
        assert _overlaps(conn, table) == 0
        several = conn.execute(
            select(func.count()).select_from(
                select(table.c.person_id).group_by(table.c.person_id)
                .having(func.count() > 1).subquery()
            )
        ).scalar()
        assert several > PERSONS // 4  # there is something to overlap
        # the query does find an overlap: add an open episode before a person's latest one
        first = conn.execute(
            select(table.c.person_id, func.max(table.c.valid_from))
            .group_by(table.c.person_id).having(func.count() > 1)
            .order_by(table.c.person_id).limit(1)
        ).one()
        kind, code = (("status", "DULDUNG") if table is schema.legal_status_episode
                      else ("sphere", "KEINE"))
        conn.execute(insert(table).values(
            {"person_id": first[0], kind: code, "valid_from": date(1999, 1, 1), "valid_to": None}
        ))
        assert _overlaps(conn, table) >= 1
        conn.rollback()  # leaves the demo data as it was


def test_staff_episodes_and_cases_are_consistent(engine):
    demo.generate(engine, persons=PERSONS, until=UNTIL)
    c, m, s = schema.case_file, schema.municipality, schema.staff
    with engine.connect() as conn:
        # a person's cases do not overlap either
        a, b = c.alias("a"), c.alias("b")
        assert conn.execute(select(func.count()).select_from(a).join(b, and_(
            a.c.person_id == b.c.person_id, a.c.opened_on < b.c.opened_on,
            or_(a.c.closed_on.is_(None), a.c.closed_on > b.c.opened_on),
        ))).scalar() == 0
        # case managers work the district of the case's municipality
        assert conn.execute(
            select(func.count()).select_from(c.join(m).join(s, c.c.staff_id == s.c.id))
            .where(s.c.district_id != m.c.district_id)
        ).scalar() == 0
        with_cm = conn.execute(
            select(func.count()).select_from(c).where(c.c.staff_id.is_not(None))
        ).scalar()
        assert with_cm > 0
        # closed cases carry a reason, open ones none
        assert conn.execute(select(func.count()).select_from(c).where(
            (c.c.closed_on.is_(None)) != (c.c.close_reason.is_(None))
        )).scalar() == 0
        assert conn.execute(select(func.min(c.c.opened_on))).scalar() >= demo.PROGRAMME_START
        # pseudonyms only, never longer than 64 characters
        for table in schema.DATA_TABLES:
            for col in table.columns:
                if col.name in ("id", "person_id", "case_id", "staff_id", "position_id"):
                    longest = conn.execute(select(func.max(func.length(col)))).scalar()
                    assert longest is None or longest <= 64
        ids = conn.execute(select(schema.person.c.id).order_by(schema.person.c.id)).scalars()
        assert list(ids)[:2] == ["P000001", "P000002"]


def test_nothing_is_dated_after_until(engine):
    demo.generate(engine, persons=PERSONS, until=UNTIL)
    with engine.connect() as conn:
        for table in schema.DATA_TABLES:
            for col in table.columns:
                if col.type.python_type is date:
                    value = conn.execute(select(func.max(col))).scalar()
                    assert value is None or value <= UNTIL, f"{table.name}.{col.name} = {value}"
        c = schema.case_file
        # the limit binds: cases open right up to `until`, and some are still open
        assert conn.execute(select(func.max(c.c.opened_on))).scalar() >= date(2025, 5, 1)
        assert conn.execute(
            select(func.count()).select_from(c).where(c.c.closed_on.is_(None))
        ).scalar() > 0


def test_until_before_the_programme_is_refused(engine):
    with pytest.raises(ValueError):
        demo.generate(engine, persons=5, until=date(2020, 6, 30))


# Status changes the generator may produce: the real paths of the issue.
ALLOWED_TRANSITIONS = {
    ("GESTATTUNG", "AE_SCHUTZ"), ("AE_SCHUTZ", "NE"), ("NE", "DEUTSCH"),
    # recognised refugees may be naturalised from their § 25 permit (§ 10 StAG), as most Syrians
    ("AE_SCHUTZ", "DEUTSCH"),
    ("GESTATTUNG", "DULDUNG"), ("DULDUNG", "AE_104C"), ("AE_104C", "AE_25A"),
    ("AE_104C", "AE_25B"), ("AE_104C", "DULDUNG"), ("AE_104C", "AE_ERWERB"),
    ("DULDUNG", "AE_25A"), ("DULDUNG", "AE_25B"), ("DULDUNG", "DULDUNG_AB"),
    ("DULDUNG_AB", "AE_ERWERB"), ("DULDUNG_AB", "DULDUNG"), ("AE_24", "AE_ERWERB"),
    ("EU", "DEUTSCH"), ("AE_FAMILIE", "NE"), ("AE_ERWERB", "NE"), ("AE_SONST", "NE"),
}


def test_status_histories_follow_real_paths(engine):
    demo.generate(engine, persons=2000, until=UNTIL)
    e = schema.legal_status_episode
    with engine.connect() as conn:
        rows = conn.execute(
            select(e.c.person_id, e.c.status, e.c.valid_from)
            .order_by(e.c.person_id, e.c.valid_from)
        ).all()
        first_24 = conn.execute(
            select(func.min(e.c.valid_from)).where(e.c.status == "AE_24")
        ).scalar()
        first_104c = conn.execute(
            select(func.min(e.c.valid_from)).where(e.c.status == "AE_104C")
        ).scalar()
    seen = set()
    for prev, cur in zip(rows, rows[1:], strict=False):
        if prev.person_id == cur.person_id and prev.status != cur.status:
            seen.add((prev.status, cur.status))
    assert seen <= ALLOWED_TRANSITIONS, seen - ALLOWED_TRANSITIONS
    # the main paths all occur in 2,000 persons
    assert {("GESTATTUNG", "AE_SCHUTZ"), ("AE_SCHUTZ", "NE"), ("NE", "DEUTSCH"),
            ("DULDUNG", "AE_104C"), ("AE_104C", "AE_25B")} <= seen
    assert first_24 >= date(2022, 3, 1)  # § 24 for people from Ukraine
    assert first_104c >= date(2023, 1, 1)  # § 104c in force since 31 December 2022


def test_realistic_figures_for_the_steering_group(engine):
    """Default size: caseload per case manager, data-quality cases, and the ledger's shape."""
    demo.generate(engine, persons=2000, until=UNTIL)
    c, s, p = schema.case_file, schema.staff, schema.funded_position
    sp, le = schema.legal_sphere_episode, schema.ledger_entry
    with engine.connect() as conn:
        active = conn.execute(select(func.count()).select_from(c).where(
            c.c.opened_on <= UNTIL, or_(c.c.closed_on.is_(None), c.c.closed_on > UNTIL)
        )).scalar()
        fte = conn.execute(select(func.sum(s.c.fte)).select_from(s.join(p)).where(
            p.c.role == "CASE_MANAGEMENT", s.c.active_from <= UNTIL,
            or_(s.c.active_to.is_(None), s.c.active_to >= UNTIL),
        )).scalar()
        assert 30 <= active / fte <= 60
        assert conn.execute(
            select(func.count()).select_from(c).where(c.c.staff_id.is_(None))
        ).scalar() > 0
        second = conn.execute(select(func.count()).select_from(
            select(c.c.person_id).group_by(c.c.person_id).having(func.count() > 1).subquery()
        )).scalar()
        assert 0.05 * 2000 < second < 0.3 * 2000
        # persons whose last case closed over a year before `until`: their status and sphere
        # histories end with the case, except for a few left open (a data-quality warning)
        last = (
            select(c.c.person_id, func.max(c.c.opened_on).label("opened"))
            .group_by(c.c.person_id).subquery()
        )
        long_closed = (
            select(c.c.person_id)
            .join(last, and_(c.c.person_id == last.c.person_id, c.c.opened_on == last.c.opened))
            .where(c.c.closed_on < date(2024, 6, 30))
        )
        n_long_closed = conn.execute(
            select(func.count()).select_from(long_closed.subquery())
        ).scalar()
        st = schema.legal_status_episode
        open_ids = set()
        for table in (st, sp):
            open_ids |= set(conn.execute(
                select(table.c.person_id).where(
                    table.c.valid_to.is_(None), table.c.person_id.in_(long_closed)
                )
            ).scalars())
        assert n_long_closed > 200
        assert 0 < len(open_ids) < 0.15 * n_long_closed
        # sphere changes: mostly seamless, some with gaps
        a, b = sp.alias("a"), sp.alias("b")
        nxt = (select(func.min(b.c.valid_from)).where(
            b.c.person_id == a.c.person_id, b.c.valid_from > a.c.valid_from
        ).scalar_subquery())
        pairs = conn.execute(
            select(a.c.valid_to, nxt).where(a.c.valid_to.is_not(None))
        ).all()
        changes = [(t, n) for t, n in pairs if n is not None]
        seamless = sum(1 for t, n in changes if (n - t).days == 1)
        assert 0.6 < seamless / len(changes) < 1

        def ledger(module, year, kind="AUSGABE", category=None):
            q = select(func.coalesce(func.sum(le.c.amount_cents), literal(0))).where(
                le.c.module == module, le.c.year == year, le.c.kind == kind
            )
            if category:
                q = q.where(le.c.category == category)
            return conn.execute(q).scalar()

        def allocated(module, year, category=None):
            b_ = schema.budget_allocation
            q = select(func.sum(b_.c.amount_cents)).where(b_.c.module == module, b_.c.year == year)
            if category:
                q = q.where(b_.c.category == category)
            return conn.execute(q).scalar()

        # Modul III near 100 %, Modul II under-spent (vacancies), Modul I events under-used
        assert 0.95 <= ledger("III", 2023) / allocated("III", 2023) <= 1.05
        assert ledger("II", 2021) / allocated("II", 2021) < 0.9
        assert ledger("I", 2023, category="VERANSTALTUNG") / allocated(
            "I", 2023, "VERANSTALTUNG") < 0.9
        # the Land paid Modul II and III for 2020 at once: 165,000 + 50,000 €
        assert conn.execute(select(func.sum(le.c.amount_cents)).where(
            le.c.year == 2020, le.c.kind == "EINNAHME", le.c.amount_cents > 0,
            le.c.module.in_(["II", "III"]),
        )).scalar() == 21_500_000
        # bookings in January for the previous year, and negative corrections
        lagged = conn.execute(select(le.c.booked_on, le.c.year).where(le.c.kind == "AUSGABE")).all()
        assert any(d.year == y + 1 and d.month == 1 for d, y in lagged)
        assert conn.execute(select(func.count()).select_from(le).where(
            le.c.kind == "AUSGABE", le.c.amount_cents < 0
        )).scalar() > 0


def _months_elapsed(first: date, last: date) -> float:
    return ((last - first).days + 1) / (365.25 / 12)


def test_trends_over_the_years_on_the_default_demo(engine):
    """The default demo (2,000 persons, seed 2020, up to today) follows the public trends of
    queries/demo.py: no year thins out because it is recent, Einbürgerungen rise after the
    reform of June 2024, the § 24 switch of June 2022 is a visible wave, benefit changes show
    their gaps, and one Bezirk carries clearly more cases per FTE."""
    from queries import caseload, transitions
    from queries.filters import Filter

    today = date.today()
    demo.generate(engine, persons=2000, seed=2020, until=today)
    with engine.connect() as conn:
        def total(a, b, **kw):
            return transitions.transitions(conn, Filter(a, b, min_cell=0, **kw))

        # transitions per month: the current year against the average of 2021-2024
        base = total(date(2021, 1, 1), date(2024, 12, 31))["total"] / 48
        first = date(today.year, 1, 1)
        if (today - first).days < 60:  # early January: the last 365 days instead
            first = date.fromordinal(today.toordinal() - 364)
        current = total(first, today)["total"] / _months_elapsed(first, today)
        assert base >= 5
        assert 0.7 * base <= current <= 1.3 * base, (current, base)
        # ... and the year before and the year 2025 just as well
        for year in range(2022, today.year):
            per_month = total(date(year, 1, 1), date(year, 12, 31))["total"] / 12
            assert 0.7 * base <= per_month <= 1.4 * base, (year, per_month, base)

        # Einbürgerungen after the Staatsangehörigkeitsgesetz of 27 June 2024
        nat = {y: total(date(y, 1, 1), date(y, 12, 31))["einbuergerungen"]
               for y in (2023, 2024, 2025)}
        assert nat[2024] > nat[2023] and nat[2025] > nat[2023], nat

        # AsylbLG -> SGB II: the wave of 1 June 2022
        def asyl_to_sgb2(month):
            last = date(2022, month + 1, 1) if month < 12 else date(2023, 1, 1)
            flows = total(date(2022, month, 1), date.fromordinal(last.toordinal() - 1))[
                "sphere_changes"]["flows"]
            return sum(f["count"] for f in flows if (f["from"], f["to"]) == ("ASYLBLG", "SGB2"))

        by_month = {m: asyl_to_sgb2(m) for m in range(1, 13)}
        others = [n for m, n in by_month.items() if m != 6]
        assert by_month[6] >= 30 and by_month[6] > 3 * max(others), by_month

        # benefit changes: KEINE is part of the gap; exits are counted apart from the changes
        for a in (date(2020, 7, 1), date(today.year, 1, 1)):
            spheres = total(a, today)["sphere_changes"]
            benefit = spheres["benefit"]
            assert benefit["total"] >= 20
            assert benefit["seamless_share"] < 0.85, (a, benefit)
            assert benefit["exits"] > 0
            # the plain Rechtskreiswechsel count the exits (and every step into and out of
            # KEINE), mostly seamless; the benefit view does not
            assert spheres["seamless_share"] > benefit["seamless_share"]
            assert benefit["total"] < spheres["total"]

        # one Bezirk (SUED) with clearly more cases per FTE, now and two years ago
        for day in (today, date(today.year - 2, 6, 30)):
            rows = caseload.caseload(conn, Filter(date(day.year, 1, 1), day, min_cell=0))
            per_fte = {d["id"]: d["per_fte"] for d in rows["districts"]}
            others = max(v for k, v in per_fte.items() if k != "SUED")
            assert per_fte["SUED"] > 1.2 * others, (day, per_fte)

        # more new persons in 2022 (Ukraine) than in the years around it
        c = schema.case_file
        firsts = select(func.min(c.c.opened_on).label("first")).group_by(c.c.person_id)
        years: dict[int, int] = {}
        for (d,) in conn.execute(firsts):
            years[d.year] = years.get(d.year, 0) + 1
        assert years[2022] > 1.3 * max(years[2021], years[2024]), years
