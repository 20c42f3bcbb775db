"""A fixture where every headline figure rises from 2023 to 2024 and falls from 2024 to 2025.

Compare the first half of each year (01.01.–30.06.); as_of is 30.06. of the year. K = 0 (every
count shown: suppression is not what these tests are about). One Bezirk NORD with all cases, one
with a long name and nothing in it (for the filter line).

Cases (each of its own person P1..P6, municipality Coesfeld in NORD):
    C1 opened 01.10.2022, closed 31.12.2023     C4 opened 01.03.2024, open
    C2 opened 01.03.2023, closed 31.12.2024     C5 opened 01.04.2024, open
    C3 opened 01.02.2024, closed 31.12.2024     C6 opened 01.02.2025, open
    active on 30.06.: 2023 C1 C2 = 2; 2024 C2 C3 C4 C5 = 4; 2025 C4 C5 C6 = 3
    opened in H1:     2023 C2 = 1;    2024 C3 C4 C5 = 3;    2025 C6 = 1
Case management FTE on 30.06.: S1 1.0 (to 31.12.2024); S2 and S3 1.0 each from 01.01.2025
    -> 2023 1.0, 2024 1.0, 2025 2.0; per FTE 2/1 = 2,0; 4/1 = 4,0; 3/2 = 1,5
Status transitions (into AE_25A/AE_25B = Bleiberecht, into DEUTSCH = Einbürgerung):
    P1 DULDUNG -> AE_25A 15.03.2023; P2 DULDUNG -> AE_25B 15.02.2024;
    P3 DULDUNG -> AE_25A 10.05.2024; P4 NE -> DEUTSCH 01.04.2024
    Bleiberecht in H1: 2023 1, 2024 2, 2025 0; Einbürgerungen: 2023 0, 2024 1, 2025 0
Budget: each module 100.000 € allocated (Land, PERSONAL) each year, spent by 01.03.:
    Modul I 20 %, 30 %, 10 %; Modul II 60 %, 70 %, 55 %; Modul III 40 %, 60 %, 45 %
    elapsed on 30.06.: 2023 181/365 = 49,6 %, 2024 182/366 = 49,7 %, 2025 181/365 = 49,6 %
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from queries import schema
from queries.runs import record_run

RISE = ("2024-01-01", "2024-06-30")  # compared with 01.01.–30.06.2023
FALL = ("2025-01-01", "2025-06-30")  # compared with 01.01.–30.06.2024
TODAY = date(2025, 6, 30)
MIN_CELL = 0
LONG_DISTRICT = "Lüdinghausen-Nordkirchen-Senden an der Stever"

SPENT_PERCENT = {"I": (20, 30, 10), "II": (60, 70, 55), "III": (40, 60, 45)}
ALLOCATED_CENTS = 10_000_000

# What each card must say, worked out by hand from the docstring above: (change text up to
# "gegenüber", CSS judgement).
NBSP = "\u00a0"
EXPECTED = {
    "rise": {
        # 2 -> 4: +2, +2/2 = +100 %; more active cases are neither better nor worse
        "kpi-active": (f"▲ Anstieg: +2 (+100,0{NBSP}%)", "neutral"),
        # 2,0 -> 4,0: +2,0, +100 %; a heavier caseload is worse
        "kpi-per-fte": (f"▲ Anstieg: +2,0 (+100,0{NBSP}%), schlechter", "worse"),
        # 1 -> 3: +2, +200 %; neither
        "kpi-opened": (f"▲ Anstieg: +2 (+200,0{NBSP}%)", "neutral"),
        # 1 -> 2: +1, +100 %; better
        "kpi-bleiberecht": (f"▲ Anstieg: +1 (+100,0{NBSP}%), besser", "better"),
        # 0 -> 1: +1, no relative change from 0; better
        "kpi-einbuergerungen": ("▲ Anstieg: +1, besser", "better"),
        # 20 % -> 30 %: +10,0 points; 2023 was behind plan (20 < 49,6): catching up, better
        "kpi-budget-I": ("▲ Anstieg: +10,0 Prozentpunkte, besser", "better"),
        # 60 % -> 70 %: +10,0 points; both above plan: neither
        "kpi-budget-II": ("▲ Anstieg: +10,0 Prozentpunkte", "neutral"),
        # 40 % -> 60 %: +20,0 points from behind plan (40 < 49,6): better
        "kpi-budget-III": ("▲ Anstieg: +20,0 Prozentpunkte, besser", "better"),
    },
    "fall": {
        # 4 -> 3: −1, −1/4 = −25 %
        "kpi-active": (f"▼ Rückgang: −1 (−25,0{NBSP}%)", "neutral"),
        # 4,0 -> 1,5: −2,5, −2,5/4 = −62,5 %; a lighter caseload is better
        "kpi-per-fte": (f"▼ Rückgang: −2,5 (−62,5{NBSP}%), besser", "better"),
        # 3 -> 1: −2, −2/3 = −66,67 % -> −66,7 %
        "kpi-opened": (f"▼ Rückgang: −2 (−66,7{NBSP}%)", "neutral"),
        # 2 -> 0: −2, −100 %; worse
        "kpi-bleiberecht": (f"▼ Rückgang: −2 (−100,0{NBSP}%), schlechter", "worse"),
        # 1 -> 0: −1, −100 %; worse
        "kpi-einbuergerungen": (f"▼ Rückgang: −1 (−100,0{NBSP}%), schlechter", "worse"),
        # 30 % -> 10 %: −20,0 points, now behind plan (10 < 49,6): worse
        "kpi-budget-I": ("▼ Rückgang: −20,0 Prozentpunkte, schlechter", "worse"),
        # 70 % -> 55 %: −15,0 points, still above plan (55 > 49,6): neither
        "kpi-budget-II": ("▼ Rückgang: −15,0 Prozentpunkte", "neutral"),
        # 60 % -> 45 %: −15,0 points, now behind plan (45 < 49,6): worse
        "kpi-budget-III": ("▼ Rückgang: −15,0 Prozentpunkte, schlechter", "worse"),
    },
}
CARD_IDS = tuple(EXPECTED["rise"])


def load(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"},
                                               {"id": "LANG", "name": LONG_DISTRICT}])
        conn.execute(insert(schema.municipality), [
            {"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 1000},
            {"ags": "05558036", "name": "Nordkirchen", "district_id": "LANG",
             "population": 1000},
        ])
        conn.execute(insert(schema.funded_position), [{
            "id": "CM", "module": "I", "role": "CASE_MANAGEMENT", "fte_approved": 3.0,
            "approved_from": date(2020, 7, 1), "approved_to": None}])
        conn.execute(insert(schema.staff), [
            {"id": "S1", "position_id": "CM", "district_id": "NORD", "fte": 1.0,
             "active_from": date(2020, 7, 1), "active_to": date(2024, 12, 31)},
            {"id": "S2", "position_id": "CM", "district_id": "NORD", "fte": 1.0,
             "active_from": date(2025, 1, 1), "active_to": None},
            {"id": "S3", "position_id": "CM", "district_id": "NORD", "fte": 1.0,
             "active_from": date(2025, 1, 1), "active_to": None},
        ])
        conn.execute(insert(schema.person), [
            {"id": f"P{i}", "birth_year": 1990, "sex": "x", "citizenship": "XXX",
             "arrival_date": None} for i in range(1, 7)])
        cases = [
            ("C1", date(2022, 10, 1), date(2023, 12, 31), "S1"),
            ("C2", date(2023, 3, 1), date(2024, 12, 31), "S1"),
            ("C3", date(2024, 2, 1), date(2024, 12, 31), "S1"),
            ("C4", date(2024, 3, 1), None, "S1"),
            ("C5", date(2024, 4, 1), None, "S1"),
            ("C6", date(2025, 2, 1), None, "S2"),
        ]
        conn.execute(insert(schema.case_file), [
            {"id": cid, "person_id": f"P{cid[1:]}", "municipality_ags": "05558012",
             "staff_id": staff, "opened_on": opened, "closed_on": closed,
             "close_reason": "ZIEL" if closed else None}
            for cid, opened, closed, staff in cases])
        episodes = [
            ("P1", "DULDUNG", date(2021, 1, 1), date(2023, 3, 14)),
            ("P1", "AE_25A", date(2023, 3, 15), None),
            ("P2", "DULDUNG", date(2021, 1, 1), date(2024, 2, 14)),
            ("P2", "AE_25B", date(2024, 2, 15), None),
            ("P3", "DULDUNG", date(2021, 1, 1), date(2024, 5, 9)),
            ("P3", "AE_25A", date(2024, 5, 10), None),
            ("P4", "NE", date(2021, 1, 1), date(2024, 3, 31)),
            ("P4", "DEUTSCH", date(2024, 4, 1), None),
        ]
        conn.execute(insert(schema.legal_status_episode), [
            {"person_id": p, "status": s, "valid_from": a, "valid_to": b}
            for p, s, a, b in episodes])
        conn.execute(insert(schema.budget_allocation), [
            {"year": year, "module": module, "category": "PERSONAL", "source": "LAND",
             "amount_cents": ALLOCATED_CENTS}
            for year in (2023, 2024, 2025) for module in SPENT_PERCENT])
        conn.execute(insert(schema.ledger_entry), [
            {"id": f"L{module}{year}", "booked_on": date(year, 3, 1), "year": year,
             "module": module, "category": "PERSONAL", "kind": "AUSGABE",
             "amount_cents": ALLOCATED_CENTS * percent // 100, "text": None}
            for module, percents in SPENT_PERCENT.items()
            for year, percent in zip((2023, 2024, 2025), percents, strict=True)])
        record_run(conn, started_at=datetime(2025, 6, 30, 8), source="test", outcome="OK",
                   files={}, finished_at=datetime(2025, 6, 30, 9))
