"""Chart builders and sentences of the Wirkung page (dashboard/components/outcome_charts.py) on
rows small enough to check by hand; every figure through plotly's schema (tests.figures)."""

from __future__ import annotations

from datetime import date

from dashboard.components import outcome_charts as oc
from queries import outcomes
from tests.figures import checked

K = 5
NBSP = "\u00a0"
MARK = "•"  # the one mark of a hidden count


def _need(code, identified=0, resolved=0, open_=0, median=None):
    return {"need": code, "identified": identified, "resolved": resolved, "open": open_,
            "median_days_to_resolve": median}


NEEDS = [_need(c) for c in outcomes.NEED_CODES]
NEEDS[outcomes.NEED_CODES.index("ARBEIT")] = _need("ARBEIT", 40, 30, 50, 180.5)
NEEDS[outcomes.NEED_CODES.index("WOHNEN")] = _need("WOHNEN", 35, 20, 44, 150.0)
NEEDS[outcomes.NEED_CODES.index("SPRACHE")] = _need("SPRACHE", 12, None, 9, None)
NEEDS[outcomes.NEED_CODES.index("FAMILIE")] = _need("FAMILIE", None, 6, None, 30.0)


def _ref(code, referred, accepted, declined, pending):
    share = (accepted / (accepted + declined)
             if accepted is not None and declined is not None and accepted + declined else None)
    return {"institution": code, "referred": referred, "accepted": accepted,
            "declined": declined, "pending": pending, "accepted_share": share}


# Jobcenter 30 accepted / 20 declined: 40 % declined; Sozialamt 36 / 4 hidden; Agentur 45 / 5:
# 10 %; ABH 6 referred, nothing decided. Overall over the shown: 25 / (75 + 25) = 25 %.
REFERRALS = [_ref(c, 0, 0, 0, 0) for c in outcomes.INSTITUTION_CODES]
for row in (_ref("JOBCENTER", 60, 30, 20, 10), _ref("SOZIALAMT", 45, 36, None, 5),
            _ref("AGENTUR", 55, 45, 5, 5), _ref("ABH", 6, 0, 0, 6)):
    REFERRALS[outcomes.INSTITUTION_CODES.index(row["institution"])] = row


def test_needs_bars_most_frequent_first_with_hidden_stubs():
    fig = checked(oc.needs_bars(NEEDS, K))
    labels = list(fig.data[0].x)
    # identified 40, 35, 12, then the zeros in the programme's order, the hidden one last
    assert labels[:3] == ["Arbeit", "Wohnen", "Sprache"]
    assert labels[-1] == "Familie" and "Erstorientierung" in labels
    assert list(fig.data[0].text)[:3] == ["40", "35", "12"]
    assert list(fig.data[0].text)[-1] == MARK
    # the hidden count is a grey stub, not its value
    assert fig.data[0].marker.color[-1] == "#D9D9D9"
    # every hidden count of the chart gets the same marker: 1.5 % of the tallest shown bar of
    # all three series (offen Arbeit 50): 0.015 * 50 = 0.75
    assert fig.data[0].y[-1] == fig.data[1].y[2] == fig.data[2].y[-1] == 0.75
    assert [t.name for t in fig.data] == ["festgestellt", "erledigt", "offen am Stichtag"]


def test_duration_slowest_first_and_sentences():
    fig = checked(oc.resolve_days_bars(NEEDS, K))
    assert list(fig.data[0].y)[:3] == ["Arbeit", "Wohnen", "Familie"]
    # 180.5 rounds half away from zero: "181 Tage"; Sprache's resolved count is hidden
    assert list(fig.data[0].text)[0] == "181 Tage"
    assert list(fig.data[0].text)[list(fig.data[0].y).index("Sprache")] == MARK
    assert oc.duration_sentence(NEEDS) == (
        "Am längsten dauert Arbeit: im Median 181 Tage bis zur Erledigung, am kürzesten "
        "Familie mit 30 Tagen.")
    # open: 50 + 44 + 9 shown, Familie's hidden -> "mindestens 103"
    assert oc.needs_sentence(NEEDS, date(2025, 11, 15), K) == (
        "Arbeit und Wohnen sind die häufigsten Bedarfslagen (40 und 35 im Zeitraum "
        "festgestellt); am 15.11.2025 waren mindestens 103 Bedarfslagen noch offen.")
    assert [r["label"] for r in oc.duration_rows(NEEDS)][:2] == ["Arbeit", "Wohnen"]


def test_declined_bars_put_the_failing_institution_on_top():
    fig = checked(oc.declined_bars(REFERRALS, K))
    # 40 % declined, 10 %, then the hidden share and the undecided one; no empty institutions
    assert list(fig.data[0].y) == ["Jobcenter", "Agentur für Arbeit", "Sozialamt",
                                   "Ausländerbehörde"]
    assert list(fig.data[0].text) == [f"40{NBSP}%", f"10{NBSP}%", MARK,
                                      "nichts entschieden"]
    # Jobcenter 40 % >= 25 % + 5 points: the colour for "worse"; Agentur not
    assert fig.data[0].marker.color[0] == oc.FAILING_COLOUR
    assert fig.data[0].marker.color[1] == oc.OTHER_COLOUR
    assert fig.layout.shapes[0].x0 == 25.0
    assert oc.overall_declined_share(REFERRALS) == 0.25
    assert oc.referral_sentence(REFERRALS, K) == (
        f"Jobcenter: 40{NBSP}% der entschiedenen Verweise abgelehnt "
        f"(alle Institutionen: 25{NBSP}%).")
    rows = oc.referral_rows(REFERRALS)
    assert [r["label"] for r in rows[:4]] == ["Jobcenter", "Agentur für Arbeit", "Sozialamt",
                                              "Ausländerbehörde"]
    assert len(rows) == len(outcomes.INSTITUTION_CODES)
    assert rows[0]["declined_share"] == 0.4


def test_district_matrix_and_sentence():
    # NORD Jobcenter 8 / 2 declined (20 %), SUED Jobcenter 6 / 9 (60 %), SUED Agentur hidden
    by_district = [
        {"id": "NORD", "name": "Nord", "referrals": [
            _ref("JOBCENTER", 12, 8, 2, 2), _ref("AGENTUR", 0, 0, 0, 0)]},
        {"id": "SUED", "name": "Süd", "referrals": [
            _ref("JOBCENTER", 15, 6, 9, 0), _ref("AGENTUR", 7, None, None, 0)]},
    ]
    fig = checked(oc.district_matrix(by_district, K))
    heat = fig.data[0]
    assert list(heat.y) == ["Jobcenter", "Agentur für Arbeit"]
    assert [list(r) for r in heat.text] == [[f"20{NBSP}%", f"60{NBSP}%"],
                                            ["–", MARK]]
    assert heat.customdata[0][1][0] == "SUED"  # a click names the district
    assert oc.district_sentence(by_district, K) == (
        f"Am häufigsten abgelehnt: Jobcenter im Bezirk Süd (60{NBSP}% der entschiedenen "
        f"Verweise; in den anderen Bezirken 20{NBSP}%).")
    rows = oc.district_referral_rows(by_district)
    assert [(r["district"], r["label"]) for r in rows] == [
        ("Nord", "Jobcenter"), ("Süd", "Agentur für Arbeit"), ("Süd", "Jobcenter")]


CLOSURES = {"total": 20, "goal_share": 0.65, "median_duration_days": 240.5,
            "reasons": [{"reason": "ABBRUCH", "count": None}, {"reason": "SONSTIGE", "count": 0},
                        {"reason": "UEBERGABE", "count": 5}, {"reason": "UMZUG", "count": 5},
                        {"reason": "ZIEL", "count": 8}]}


def test_reasons_and_goal_share():
    fig = checked(oc.reason_bars(CLOSURES, K))
    assert list(fig.data[0].y) == ["Ziele erreicht", "an Regeldienst übergeben", "verzogen",
                                   "Kontakt abgebrochen", "Sonstiges / ohne Angabe"]
    assert list(fig.data[0].text) == ["8", "5", "5", MARK, "0"]
    assert fig.data[0].marker.color[0] == oc.GOAL_COLOUR
    assert fig.data[0].marker.color[3] == "#D9D9D9"
    assert oc.closure_sentence(CLOSURES, K) == (
        f"20 Fälle abgeschlossen, davon 65{NBSP}% mit Ziel erreicht oder übergeben; ein Fall "
        "dauerte im Median 241 Tage.")
    assert oc.reason_rows(CLOSURES)[-1] == {"reason": "", "label": "zusammen", "count": 20}
    districts = [{"id": "NORD", "name": "Nord", "total": 12, "goal_share": 0.75},
                 {"id": "SUED", "name": "Süd", "total": 3, "goal_share": None},
                 {"id": "MITTE", "name": "Mitte", "total": 0, "goal_share": None}]
    fig = checked(oc.goal_share_by_district(districts, K))
    assert list(fig.data[0].text) == [f"75{NBSP}%", MARK, "keine Abschlüsse"]
    assert [c[0] for c in fig.data[0].customdata] == ["NORD", "SUED", "MITTE"]
    assert oc.district_closure_sentence(districts) == (
        "Zu wenige abgeschlossene Fälle, um die Bezirke zu vergleichen.")


def test_trend_grain_labels_and_sentence():
    assert oc.grain_for(date(2025, 1, 1), date(2025, 6, 30)) == "month"
    assert oc.grain_for(date(2025, 1, 1), date(2025, 11, 15)) == "quarter"
    assert oc.grain_for(date(2020, 7, 1), date(2025, 11, 15)) == "year"
    assert oc.bucket_label("2025-Q2") == "2. Quartal 2025"
    assert oc.bucket_label("2025-03") == "März 2025"
    assert oc.bucket_label("2024") == "2024"
    rows = [
        {"period": "2023", "referred": 10, "accepted": 6, "declined": 4, "accepted_share": 0.6,
         "closed": 20, "goal": 11, "goal_share": 0.55},
        {"period": "2024", "referred": 3, "accepted": None, "declined": 0, "accepted_share": None,
         "closed": None, "goal": None, "goal_share": None},
        {"period": "2025", "referred": 12, "accepted": 9, "declined": 3, "accepted_share": 0.75,
         "closed": 25, "goal": 18, "goal_share": 0.72},
    ]
    fig = checked(oc.trend_lines(rows, K))
    assert [None if v is None else round(v, 9) for v in fig.data[0].y] == [55.0, None, 72.0]
    # (a hidden year is a gap, not a zero)
    assert list(fig.data[0].text) == [f"55{NBSP}%", "", f"72{NBSP}%"]
    assert oc.trend_sentence(rows, "year") == (
        f"Ziel erreicht oder übergeben: von 55{NBSP}% (2023) auf 72{NBSP}% (2025) gestiegen.")
    small = checked(oc.trend_lines(rows, K, height=280, goal_only=True))
    assert len(small.data) == 1 and small.layout.height == 280


def test_bezirk_sentences_columns_and_hover_in_a_city_take_its_words():
    from queries.territory import CITY, Territory

    city = Territory(name="Stadt Lindenberg", kind=CITY)
    by_district = [
        {"id": "NORD", "name": "Nord", "referrals": [_ref("JOBCENTER", 12, 8, 2, 2)]},
        {"id": "SUED", "name": "Süd", "referrals": [_ref("JOBCENTER", 15, 6, 9, 0)]},
    ]
    # Süd 9 of 6 + 9 = 15 decided = 60 %, Nord 2 of 10 = 20 %
    assert oc.district_sentence(by_district, K, city) == (
        f"Am häufigsten abgelehnt: Jobcenter im Stadtbezirk Süd (60{NBSP}% der entschiedenen "
        f"Verweise; in den anderen Stadtbezirken 20{NBSP}%).")
    assert oc.district_sentence([], K, city) == (
        "Zu wenige entschiedene Verweise, um die Stadtbezirke zu vergleichen.")
    heat = checked(oc.district_matrix(by_district, K, city)).data[0]
    assert heat.hovertemplate.startswith("%{y}, Stadtbezirk %{x}: ")
    districts = [{"id": "NORD", "name": "Nord", "total": 12, "goal_share": 0.75},
                 {"id": "SUED", "name": "Süd", "total": 10, "goal_share": 0.5}]
    assert oc.district_closure_sentence(districts, city) == (
        f"Ziel erreicht oder übergeben: von 50{NBSP}% im Stadtbezirk Süd bis 75{NBSP}% im "
        "Stadtbezirk Nord.")
    assert oc.district_closure_sentence(districts[:1], city) == (
        "Zu wenige abgeschlossene Fälle, um die Stadtbezirke zu vergleichen.")
    assert oc.district_referral_columns(city)[0].header == "Stadtbezirk"
    assert oc.district_closure_columns(city)[0].header == "Stadtbezirk"
    # a Kreis keeps its words
    assert oc.district_closure_columns()[0].header == "Bezirk"
    assert "im Bezirk Süd" in oc.district_closure_sentence(districts)

