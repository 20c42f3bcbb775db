"""The `kim report` document and its CSV form, through build_report and through the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from sqlalchemy import insert

from dashboard import cli
from queries import budget, caseload, report, schema, transitions
from queries.filters import Filter
from queries.runs import record_run
from tests.test_caseload import PERIOD, load_fixture

D = date.fromisoformat
ARGS = ["--from", "2024-11-01", "--to", "2025-06-15"]


def _load(engine) -> None:
    """The caseload fixture plus one allocation, one booking and one status transition."""
    load_fixture(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.budget_allocation),
            [{"year": 2025, "module": "II", "category": "PERSONAL", "source": "LAND",
              "amount_cents": 33_000_000}],
        )
        conn.execute(
            insert(schema.ledger_entry),
            [{"id": "B1", "booked_on": D("2025-03-10"), "year": 2025, "module": "II",
              "category": "PERSONAL", "kind": "AUSGABE", "amount_cents": 1_234_567,
              "text": "Gehalt März"}],
        )
        # P1: Duldung, then § 25b from 2025-03-01: one Bleiberecht transition in the period.
        conn.execute(
            insert(schema.legal_status_episode),
            [
                {"person_id": "P1", "status": "DULDUNG", "valid_from": D("2023-01-01"),
                 "valid_to": D("2025-02-28")},
                {"person_id": "P1", "status": "AE_25B", "valid_from": D("2025-03-01"),
                 "valid_to": None},
            ],
        )
        # P1's benefits: SGB II to 31 Jan, a month without benefits (KEINE), SGB III from
        # 1 Mar to 31 May, then KEINE again from 1 Jun: one benefit change SGB2 -> SGB3 on
        # 2025-03-01 with a gap of (1 Mar - 31 Jan) - 1 = 28 days, and one exit (1 Jun; the
        # step into KEINE on 1 Feb was followed by SGB III and is no exit).
        conn.execute(
            insert(schema.legal_sphere_episode),
            [
                {"person_id": "P1", "sphere": "SGB2", "valid_from": D("2024-01-01"),
                 "valid_to": D("2025-01-31")},
                {"person_id": "P1", "sphere": "KEINE", "valid_from": D("2025-02-01"),
                 "valid_to": D("2025-02-28")},
                {"person_id": "P1", "sphere": "SGB3", "valid_from": D("2025-03-01"),
                 "valid_to": D("2025-05-31")},
                {"person_id": "P1", "sphere": "KEINE", "valid_from": D("2025-06-01"),
                 "valid_to": None},
            ],
        )
        record_run(conn, started_at=datetime(2025, 6, 16, 8, 0),
                   finished_at=datetime(2025, 6, 16, 8, 30), source="demo", outcome="OK",
                   files={})
        # A later refused import does not move the Datenstand.
        record_run(conn, started_at=datetime(2025, 6, 17, 8, 0),
                   finished_at=datetime(2025, 6, 17, 8, 0), source="x", outcome="REFUSED",
                   files={}, message="kaputt")


def test_build_report_shape_and_values(engine, monkeypatch):
    monkeypatch.delenv("KIM_KREIS_NAME", raising=False)
    _load(engine)
    f = Filter(*PERIOD, min_cell=0)
    with engine.connect() as conn:
        data = report.build_report(conn, f)
        assert data["caseload"] == caseload.caseload(conn, f)
        assert data["budget"] == budget.budget(conn, f)
        assert data["transitions"] == transitions.transitions(conn, f)
    assert list(data) == [
        "as_of", "period", "district", "data_as_of", "territory", "kreis", "min_cell",
        "caseload", "budget", "transitions", "outcomes",
    ]
    assert data["territory"] is None  # no territory row in this fixture
    assert data["as_of"] == "2025-06-15"
    assert data["period"] == {"from": "2024-11-01", "to": "2025-06-15"}
    assert data["district"] is None
    assert data["data_as_of"] == "2025-06-16"  # the OK run, not the later refused one
    assert data["kreis"] == "Kreis Coesfeld"  # AGS 05558…
    assert data["min_cell"] == 0
    # Hand-checked in test_caseload: 9 active, 10 opened, 4 closed, FTE 2.75.
    assert data["caseload"]["total"]["active"] == 9
    assert data["caseload"]["total"]["fte"] == 2.75
    # Budget year 2025: module II allocated 330,000.00 €, spent 12,345.67 € (booked 2025-03-10).
    module_ii = next(m for m in data["budget"]["modules"] if m["module"] == "II")
    assert (module_ii["allocated_cents"], module_ii["spent_cents"]) == (33_000_000, 1_234_567)
    # P1: DULDUNG -> AE_25B on 2025-03-01 is the one transition of the period.
    assert data["transitions"]["total"] == 1 and data["transitions"]["bleiberecht"] == 1
    assert data["transitions"]["sphere_changes"]["benefit"] == {
        "total": 1, "seamless": 0, "seamless_share": 0.0, "median_gap_days": 28.0, "exits": 1,
    }
    # the plain Rechtskreiswechsel see three seamless steps: into KEINE, to SGB3, into KEINE
    assert data["transitions"]["sphere_changes"]["total"] == 3
    json.dumps(data)  # plain JSON data throughout


def test_report_csv_long_format(engine):
    _load(engine)
    with engine.connect() as conn:
        data = report.build_report(conn, Filter(*PERIOD, district="NORD", min_cell=5))
    text = report.report_csv(data)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert all(len(r) == 4 for r in rows)
    lines = {(s, k, m): v for s, k, m, v in rows[1:]}
    assert len(lines) == len(rows) - 1  # every (section, key, metric) names one figure
    assert lines[("report", "", "as_of")] == "2025-06-15"
    assert lines[("report", "", "district")] == "NORD"
    assert lines[("period", "", "from")] == "2024-11-01"
    # NORD with K = 5 (test_caseload): active 5, closed 2 -> empty, FTE 1.75, per 1,000 0.10.
    # Secondary suppression hides the 5 as well: NORD's case managers S1 1, S2 3 and "ohne
    # Case Manager" 1 are hidden, and 5 = x + y + z with each >= 1 leaves each only 1 … 3,
    # fewer than K - 1 = 4 values; no further part is left, so the total goes.
    assert lines[("caseload.total", "", "active")] == ""
    assert lines[("caseload.total", "", "closed")] == ""
    assert lines[("caseload.districts", "NORD", "fte")] == "1.75"
    assert lines[("caseload.districts", "NORD", "name")] == "Nord"
    # Coesfeld opened 5 = S1 2 + S2 2 + ohne Case Manager 1, all hidden, each only 1 … 3 if
    # the 5 were shown: hidden too.
    assert lines[("caseload.districts.municipalities", "NORD/05558012", "opened")] == ""
    assert lines[("caseload.districts.municipalities", "NORD/05558020", "per_1000")] == ""
    assert lines[("caseload.monthly_active", "2024-11", "active")] == "0"
    assert ("caseload.districts", "SUED", "active") not in lines
    assert lines[("budget", "", "year")] == "2025"
    assert lines[("budget.modules", "II", "allocated_cents")] == "33000000"
    assert lines[("budget.modules.categories", "II/PERSONAL", "spent_cents")] == "1234567"
    assert lines[("budget.modules.monthly_spent_cents", "II/2025-03", "cumulative_cents")] == (
        "1234567"
    )
    # The one transition of the period is a small cell under K = 5 (and P1's cases are in NORD
    # and SUED, so the district filter keeps it in NORD: latest case before 2025-03-01 is C01).
    assert lines[("transitions.flows", "DULDUNG->AE_25B", "count")] == ""
    assert lines[("transitions", "", "bleiberecht")] == ""
    # benefit change and exit are single ones: hidden; zero seamless ones are shown
    benefit = "transitions.sphere_changes.benefit"
    assert lines[(benefit, "", "total")] == ""
    assert lines[(benefit, "", "seamless")] == "0"
    assert lines[(benefit, "", "seamless_share")] == ""
    assert lines[(benefit, "", "median_gap_days")] == ""
    assert lines[(benefit, "", "exits")] == ""


def test_report_csv_formats_values():
    text = report.report_csv(
        {"as_of": "2025-01-31", "x": {"ratio": 0.00001, "none": None, "flag": True,
                                      "items": [{"name": "a"}, {"name": "b"}]}}
    )
    assert text.splitlines() == [
        "section,key,metric,value",
        "report,,as_of,2025-01-31",
        "x,,ratio,0.00001",
        "x,,none,",
        "x,,flag,true",
        "x.items,1,name,a",
        "x.items,2,name,b",
    ]


def test_cli_report_json_writes_only_json(db_url, engine, capsys, monkeypatch):
    monkeypatch.delenv("KIM_MIN_CELL", raising=False)
    _load(engine)
    assert cli.main(["report", "--database", db_url, *ARGS, "--min-cell", "0"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    with engine.connect() as conn:
        expected = report.build_report(conn, Filter(*PERIOD, min_cell=0))
    assert json.loads(out) == expected

    # Without --min-cell the default K = 5 applies: SUED's 4 active cases become null, and
    # NORD's 5 with them (secondary: Kreis 9 = NORD + SUED 4 + WEST 0 would give SUED away).
    # The Kreis's 9 goes too: the case managers of the four Gemeinden are 3 + 1 + 1 + 2 = 7
    # hidden counts, each >= 1, and 9 would leave each only 1 … 3 (the LP check).
    assert cli.main(["report", "--database", db_url, *ARGS, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["min_cell"] == 5
    assert [d["active"] for d in data["caseload"]["districts"]] == [None, None, 0]
    assert data["caseload"]["total"]["active"] is None


def test_cli_report_csv_and_unknown_district(db_url, engine, capsys):
    _load(engine)
    assert cli.main(["report", "--database", db_url, *ARGS, "--district", "SUED",
                     "--min-cell", "1", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["section", "key", "metric", "value"]
    # SUED with K = 1: 4 active, 3 opened, 2 closed, FTE 0.75, 4/0.75 = 5.333… per FTE,
    # unrounded (full double precision, in plain decimal notation).
    assert ["caseload.total", "", "active", "4"] in rows
    assert ["caseload.total", "", "per_fte", "5.333333333333333"] in rows

    assert cli.main(["report", "--database", db_url, *ARGS, "--district", "OST"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "unbekannter Bezirk" in err
