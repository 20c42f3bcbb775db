"""The Land's side of the Mittelabfluss (KPIS.md "Land funds earned, forfeited and to be paid
back") on a fixture small enough to check on paper, on SQLite and PostgreSQL, and through
`kim report`.

Budget year 2025 (365 days). Positions and staff:
- Modul I, POS_H: a half post (0.50) filled all year by two staff of 0.30 each: 0.60 present,
  capped at 0.50.
- Modul I, POS_E: a full post approved 1 January to 30 June 2025 (181 days: 31+28+31+30+31+30);
  its holder E1 stays employed afterwards, which no longer counts.
  Modul I: approved 50 x 365 + 100 x 181 = 36,350 centi-FTE-days; filled min(50, 60) x 365 +
  100 x 181 = 36,350 -> occupancy 1. FTE-months approved 0.5 x 12 + 1.0 x 6 = 12, filled 12.
- Modul II, POS_A: a full post, holder A1 until 31 March, A2 from 1 July (a signed contract):
  vacant 1 April to 30 June = 30+31+30 = 91 days. Occupancy 274/365 = 0.75068… (0.75 in months:
  9 of 12 FTE-months filled, 3 vacant).
- Modul III: no positions -> occupancy null.

Current year: as_of 31 March 2025 = 31+28+31 = 90 days of 365; projected = spent x 365/90 =
spent x 73/18.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import insert

from dashboard import cli
from queries import schema
from queries.budget import budget
from queries.filters import Filter

ALLOCATIONS = [
    # (module, category, source, cents), all for 2025
    ("I", "PERSONAL", "LAND", 4_000_000),
    ("I", "PERSONAL", "EIGENANTEIL", 1_000_000),
    ("I", "SACH", "LAND", 500_000),
    ("I", "VERANSTALTUNG", "LAND", 1_000_000),
    ("I", "MASSNAHME", "LAND", 2_000_000),
    ("I", "BERATUNG", "LAND", 600_000),
    ("II", "PERSONAL", "LAND", 5_500_000),
    ("II", "PERSONAL", "EIGENANTEIL", 900_000),
    ("II", "SACH", "EIGENANTEIL", 350_000),
    ("III", "PERSONAL", "LAND", 2_500_000),
    ("III", "VERANSTALTUNG", "LAND", 100_000),
]

LEDGER = [
    # (id, booked_on, module, category, kind, cents), all for 2025
    ("B01", date(2025, 1, 31), "I", "PERSONAL", "AUSGABE", 1_000_000),
    ("B02", date(2025, 2, 28), "I", "PERSONAL", "AUSGABE", 1_000_000),
    ("B03", date(2025, 3, 31), "I", "PERSONAL", "AUSGABE", 1_000_000),
    ("B04", date(2025, 12, 15), "I", "PERSONAL", "AUSGABE", 1_600_000),
    ("B05", date(2025, 2, 10), "I", "SACH", "AUSGABE", 180_000),
    ("B06", date(2025, 10, 1), "I", "SACH", "AUSGABE", 120_000),
    ("B07", date(2025, 6, 10), "I", "VERANSTALTUNG", "AUSGABE", 300_000),
    ("B08", date(2025, 3, 1), "I", "MASSNAHME", "AUSGABE", 900_000),
    ("B09", date(2025, 9, 1), "I", "MASSNAHME", "AUSGABE", 1_600_000),
    ("B10", date(2025, 2, 1), "I", "BERATUNG", "AUSGABE", 200_000),
    ("B11", date(2025, 3, 15), "I", "BERATUNG", "AUSGABE", -50_000),  # credit note
    ("B12", date(2025, 3, 20), "I", "PERSONAL", "EINNAHME", 4_000_000),
    ("B13", date(2025, 9, 20), "I", "PERSONAL", "EINNAHME", 4_100_000),
    ("B14", date(2025, 1, 31), "II", "PERSONAL", "AUSGABE", 450_000),
    ("B15", date(2025, 2, 28), "II", "PERSONAL", "AUSGABE", 450_000),
    ("B16", date(2025, 3, 31), "II", "PERSONAL", "AUSGABE", 450_000),
    ("B17", date(2025, 12, 31), "II", "PERSONAL", "AUSGABE", 2_700_000),
    ("B18", date(2025, 2, 15), "II", "SACH", "AUSGABE", 36_000),
    ("B19", date(2025, 3, 10), "II", "PERSONAL", "EINNAHME", 2_750_000),
    ("B20", date(2025, 9, 10), "II", "PERSONAL", "EINNAHME", 2_750_000),
    ("B21", date(2025, 1, 31), "III", "PERSONAL", "AUSGABE", 9),
    ("B22", date(2025, 2, 1), "III", "VERANSTALTUNG", "AUSGABE", -9),  # a correction only
    ("B23", date(2025, 3, 5), "III", "PERSONAL", "EINNAHME", 1_000_000),
]

POSITIONS = [
    # (id, module, role, fte_approved, approved_from, approved_to)
    ("POS_H", "I", "KOORDINATION", 0.50, date(2020, 7, 1), None),
    ("POS_E", "I", "KOORDINATION", 1.00, date(2025, 1, 1), date(2025, 6, 30)),
    ("POS_A", "II", "CASE_MANAGEMENT", 1.00, date(2024, 1, 1), None),
]

STAFF = [
    # (id, position_id, fte, active_from, active_to)
    ("H1", "POS_H", 0.30, date(2024, 1, 1), None),
    ("H2", "POS_H", 0.30, date(2024, 1, 1), None),
    ("E1", "POS_E", 1.00, date(2025, 1, 1), None),
    ("A1", "POS_A", 1.00, date(2024, 1, 1), date(2025, 3, 31)),
    ("A2", "POS_A", 1.00, date(2025, 7, 1), None),
]

CURRENT = Filter(date(2025, 1, 1), date(2025, 3, 31))
PAST = Filter(date(2026, 1, 1), date(2026, 3, 31), year=2025)
FUTURE = Filter(date(2024, 1, 1), date(2024, 6, 30), year=2025)


def load(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.budget_allocation), [
            dict(year=2025, module=m, category=c, source=s, amount_cents=a)
            for m, c, s, a in ALLOCATIONS])
        conn.execute(insert(schema.ledger_entry), [
            dict(id=i, booked_on=d, year=2025, module=m, category=c, kind=k, amount_cents=a,
                 text=None) for i, d, m, c, k, a in LEDGER])
        conn.execute(insert(schema.funded_position), [
            dict(id=i, module=m, role=r, fte_approved=f, approved_from=a, approved_to=t)
            for i, m, r, f, a, t in POSITIONS])
        conn.execute(insert(schema.staff), [
            dict(id=i, position_id=p, fte=f, active_from=a, active_to=t, district_id=None)
            for i, p, f, a, t in STAFF])


@pytest.fixture
def land_db(engine):
    load(engine)
    return engine


def _figures(engine, f):
    with engine.connect() as conn:
        result = budget(conn, f)
    modules = {m["module"]: m for m in result["modules"]}
    cats = {(m["module"], c["category"]): c for m in result["modules"] for c in m["categories"]}
    return result, modules, cats


LAND_KEYS = ("land_cents", "own_share_cents", "projected_cents", "land_earned_projected_cents",
             "land_forfeit_projected_cents")


def _land(c):
    return tuple(c[k] for k in LAND_KEYS)


def test_occupancy_over_the_whole_year(land_db):
    _, mods, _ = _figures(land_db, CURRENT)
    # Modul I: 36,350 / 36,350 (the two 0.30 staff capped at the half post; POS_E only
    # counts its 181 approved days)
    assert mods["I"]["occupancy_share"] == 1.0
    assert mods["I"]["fte_months_approved"] == 12.0  # 0.5 x 12 + 1.0 x 6 (approval ends 30 June)
    assert mods["I"]["fte_months_filled"] == 12.0
    assert mods["I"]["fte_months_vacant"] == 0.0
    # Modul II: vacant 1 April - 30 June: 274 of 365 days filled
    assert mods["II"]["occupancy_share"] == float(Fraction(274, 365))
    assert round(mods["II"]["occupancy_share"], 4) == 0.7507
    assert (mods["II"]["fte_months_approved"], mods["II"]["fte_months_filled"],
            mods["II"]["fte_months_vacant"]) == (12.0, 9.0, 3.0)
    # Modul III: no post approved on any day
    assert mods["III"]["occupancy_share"] is None
    assert mods["III"]["fte_months_approved"] == 0.0


def test_current_year_projection(land_db):
    result, mods, cats = _figures(land_db, CURRENT)
    # (land, own share, projected, earned, forfeited); projected = spent x 73/18
    # I PERSONAL: spent 3,000,000 -> 12,166,666.67 -> 12,166,667; land x 1 = 4,000,000
    assert _land(cats["I", "PERSONAL"]) == (4_000_000, 1_000_000, 12_166_667, 4_000_000, 0)
    # I SACH: 180,000 -> 730,000; earned min(500,000 x 1, 730,000)
    assert _land(cats["I", "SACH"]) == (500_000, 0, 730_000, 500_000, 0)
    # I VERANSTALTUNG: nothing spent yet -> projected 0, all 1,000,000 forfeited
    assert _land(cats["I", "VERANSTALTUNG"]) == (1_000_000, 0, 0, 0, 1_000_000)
    # I MASSNAHME: 900,000 -> 3,650,000, above the 2,000,000 the Land pays at most
    assert _land(cats["I", "MASSNAHME"]) == (2_000_000, 0, 3_650_000, 2_000_000, 0)
    # I BERATUNG: 200,000 - 50,000 (credit note) = 150,000 -> 608,333.33 -> 608,333
    assert _land(cats["I", "BERATUNG"]) == (600_000, 0, 608_333, 600_000, 0)
    # II PERSONAL: 1,350,000 -> 5,475,000; land x occupancy = 5,500,000 x 274/365 =
    # 4,128,767.12 -> 4,128,767; forfeited 5,500,000 - 4,128,767 = 1,371,233
    assert _land(cats["II", "PERSONAL"]) == (5_500_000, 900_000, 5_475_000, 4_128_767,
                                             1_371_233)
    # II SACH: the Kreis's own money only: 36,000 -> 146,000, nothing from the Land
    assert _land(cats["II", "SACH"]) == (0, 350_000, 146_000, 0, 0)
    # III PERSONAL: 9 -> 36.5 -> 37 (half away from zero); occupancy null -> land x occ = 0
    assert _land(cats["III", "PERSONAL"]) == (2_500_000, 0, 37, 0, 2_500_000)
    # III VERANSTALTUNG: -9 -> -36.5 -> -37; a negative projection earns nothing
    assert _land(cats["III", "VERANSTALTUNG"]) == (100_000, 0, -37, 0, 100_000)

    m1, m2, m3 = mods["I"], mods["II"], mods["III"]
    # I: land 4,000,000 + 500,000 + 1,000,000 + 2,000,000 + 600,000 = 8,100,000;
    # earned 4,000,000 + 500,000 + 0 + 2,000,000 + 600,000 = 7,100,000; received 4,000,000
    # (B12) -> repayment max(0, 4,000,000 - 7,100,000) = 0
    assert (m1["land_cents"], m1["own_share_cents"], m1["allocated_cents"]) == (
        8_100_000, 1_000_000, 9_100_000)
    assert (m1["land_earned_projected_cents"], m1["land_forfeit_projected_cents"],
            m1["received_cents"], m1["repayment_projected_cents"]) == (
        7_100_000, 1_000_000, 4_000_000, 0)
    # module spent 4,230,000 -> 4,230,000 x 73/18 = 17,155,000
    assert m1["projected_cents"] == 17_155_000
    # II: earned 4,128,767 + 0; received 2,750,000 -> no repayment
    assert (m2["land_cents"], m2["own_share_cents"]) == (5_500_000, 1_250_000)
    assert (m2["land_earned_projected_cents"], m2["land_forfeit_projected_cents"],
            m2["repayment_projected_cents"]) == (4_128_767, 1_371_233, 0)
    # III: earned 0, the 1,000,000 already received goes back
    assert (m3["land_cents"], m3["land_earned_projected_cents"], m3["land_forfeit_projected_cents"],
            m3["received_cents"], m3["repayment_projected_cents"]) == (
        2_600_000, 0, 2_600_000, 1_000_000, 1_000_000)
    # Totals: the sums of the modules
    total = result["total"]
    assert (total["land_cents"], total["land_earned_projected_cents"],
            total["land_forfeit_projected_cents"], total["repayment_projected_cents"]) == (
        16_200_000, 11_228_767, 4_971_233, 1_000_000)
    # allocated 9,100,000 + 6,750,000 + 2,600,000; spent 4,230,000 + 1,386,000 + 0
    assert (total["allocated_cents"], total["spent_cents"]) == (18_450_000, 5_616_000)
    assert total["utilisation"] == 5_616_000 / 18_450_000
    # the plan gap is kept, but it is not the repayment: 9,100,000 - 17,155,000
    assert m1["projected_unspent_cents"] == -8_055_000


def test_past_year_is_final(land_db):
    result, mods, cats = _figures(land_db, PAST)
    assert {m["elapsed_share"] for m in mods.values()} == {1.0}
    # projected = spent; I SACH 300,000 below its 500,000 -> 200,000 forfeited
    assert _land(cats["I", "PERSONAL"]) == (4_000_000, 1_000_000, 4_600_000, 4_000_000, 0)
    assert _land(cats["I", "SACH"]) == (500_000, 0, 300_000, 300_000, 200_000)
    assert _land(cats["I", "VERANSTALTUNG"]) == (1_000_000, 0, 300_000, 300_000, 700_000)
    assert _land(cats["I", "MASSNAHME"]) == (2_000_000, 0, 2_500_000, 2_000_000, 0)
    assert _land(cats["I", "BERATUNG"]) == (600_000, 0, 150_000, 150_000, 450_000)
    # II PERSONAL: spent 4,050,000 below land x occupancy 4,128,767 -> earned 4,050,000
    assert _land(cats["II", "PERSONAL"]) == (5_500_000, 900_000, 4_050_000, 4_050_000,
                                             1_450_000)
    # I: earned 4,000,000 + 300,000 + 300,000 + 2,000,000 + 150,000 = 6,750,000; received
    # 4,000,000 + 4,100,000 = 8,100,000 -> repayment 1,350,000
    assert (mods["I"]["land_earned_projected_cents"], mods["I"]["received_cents"],
            mods["I"]["repayment_projected_cents"]) == (6_750_000, 8_100_000, 1_350_000)
    # II: received 5,500,000 - earned 4,050,000 = 1,450,000
    assert (mods["II"]["land_earned_projected_cents"], mods["II"]["repayment_projected_cents"]
            ) == (4_050_000, 1_450_000)
    assert mods["III"]["repayment_projected_cents"] == 1_000_000
    # 1,350,000 + 1,450,000 + 1,000,000
    assert result["total"]["repayment_projected_cents"] == 3_800_000
    assert result["total"]["land_earned_projected_cents"] == 10_800_000


def test_future_year_has_no_projection(land_db):
    result, mods, cats = _figures(land_db, FUTURE)
    for m in mods.values():
        assert m["projected_cents"] is None
        assert m["land_earned_projected_cents"] is None
        assert m["land_forfeit_projected_cents"] is None
        assert m["repayment_projected_cents"] is None
    assert cats["II", "PERSONAL"]["land_earned_projected_cents"] is None
    # the allocation is known already
    assert (mods["II"]["land_cents"], mods["II"]["own_share_cents"]) == (5_500_000, 1_250_000)
    assert result["total"]["repayment_projected_cents"] is None
    assert result["total"]["land_cents"] == 16_200_000


def test_kim_report_carries_the_land_figures(land_db, capsys):
    url = land_db.url.render_as_string(hide_password=False)
    code = cli.main(["report", "--database", url, "--from", "2025-01-01", "--to", "2025-03-31",
                     "--format", "json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    mods = {m["module"]: m for m in report["budget"]["modules"]}
    assert mods["II"]["land_earned_projected_cents"] == 4_128_767
    assert mods["II"]["land_forfeit_projected_cents"] == 1_371_233
    assert mods["II"]["occupancy_share"] == 274 / 365  # unrounded
    assert mods["III"]["repayment_projected_cents"] == 1_000_000
    assert mods["I"]["elapsed_share"] == 90 / 365  # 0.2465753424657534, not 0.2466
    cats = {c["category"]: c for c in mods["III"]["categories"]}
    assert cats["PERSONAL"]["projected_cents"] == 37
    assert cats["VERANSTALTUNG"]["projected_cents"] == -37
    assert report["budget"]["total"]["repayment_projected_cents"] == 1_000_000


def test_demo_shows_a_forfeit_and_a_repayment(engine):
    """The demo's last year (queries/demo.py LONG_VACANCY_*): the Modul II post is vacant from
    1 April to 30 September, so at least 6 FTE-months are vacant (other posts may add to it),
    Land money is forfeited, and the Land, which paid both instalments in advance, gets part of
    it back."""
    from sqlalchemy import select

    from queries import demo

    until = date(2025, 11, 15)
    demo.generate(engine, persons=20, seed=7, until=until)
    with engine.connect() as conn:
        holders = conn.execute(
            select(schema.staff.c.active_from, schema.staff.c.active_to)
            .where(schema.staff.c.position_id == demo.LONG_VACANCY_POSITION)
            .order_by(schema.staff.c.active_from)).all()
        result = budget(conn, Filter(date(2025, 1, 1), until))
    # nobody holds the post from 1 April to 30 September 2025; the successor starts 1 October
    gap_from, gap_to = date(2025, 4, 1), date(2025, 9, 30)
    assert not any(start <= gap_to and (end is None or end >= gap_from) for start, end in holders)
    assert (date(2025, 10, 1), None) in holders
    module_ii = result["modules"][1]
    assert module_ii["fte_months_vacant"] >= 6
    assert module_ii["land_forfeit_projected_cents"] > 0
    assert module_ii["received_cents"] == module_ii["land_cents"]  # both instalments paid
    assert module_ii["repayment_projected_cents"] > 0
