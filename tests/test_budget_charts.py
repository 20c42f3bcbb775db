"""Chart and table builders of the Mittelabfluss page, fed a hand-made KPIS.md "budget" object.

The object is what queries/budget.py returns for budget year 2025 on as_of 2025-04-10:
elapsed days = 31 (Jan) + 28 (Feb) + 31 (Mar) + 10 = 100 of 365 → elapsed_share 0.27397…,
written 0.274 here for round numbers.
- Modul I: allocated 100.000 €, spent 25.000 € → utilisation 0,25; projected 25.000 × 365 / 100
  = 91.250 €; plan gap 100.000 − 91.250 = 8.750 €. Plan 0,274 × 100.000 = 27.400 € (plan_cents,
  integer cents from queries/). Land 80.000 € of it, earned 70.000 €, forfeited 10.000 €;
  received 80.000 € → 10.000 € to pay back.
- Modul II: allocated 50.000 €, spent 20.000 € → projected 73.000 €; plan gap −23.000 €
  (overspend). Plan 0,274 × 50.000 = 13.700 €. Land 50.000 €, all earned, received 25.000 €.
- Modul III: nothing allocated, nothing spent; projected 0, plan gap 0, plan 0.
- Totals: land 130.000 €, earned 120.000 €, forfeited 10.000 €, repayment 10.000 €.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import theme
from dashboard.components import budget_charts as bc
from dashboard.components import tables
from tests.figures import checked

AS_OF = date(2025, 4, 10)
CATEGORIES = ("BERATUNG", "MASSNAHME", "PERSONAL", "SACH", "VERANSTALTUNG")


def _module(module, allocated, spent, projected, unspent, monthly, categories, fte,
            land=(0, 0, 0, 0), months=(0.0, 0.0), occupancy=None):
    cats = [
        {"category": c, "allocated_cents": categories.get(c, (0, 0))[0],
         "spent_cents": categories.get(c, (0, 0))[1], "land_cents": 0, "own_share_cents": 0,
         "projected_cents": None, "land_earned_projected_cents": None,
         "land_forfeit_projected_cents": None}
        for c in CATEGORIES
    ]
    land_cents, earned, received, repayment = land
    projected_land = projected is not None
    return {
        "module": module, "allocated_cents": allocated, "spent_cents": spent,
        "received_cents": received, "utilisation": (spent / allocated) if allocated else None,
        "elapsed_share": 0.274, "projected_cents": projected,
        "projected_unspent_cents": unspent,
        "plan_cents": None if projected is None else allocated * 274 // 1000,
        "fte_approved": fte[0], "fte_filled": fte[1],
        "land_cents": land_cents, "own_share_cents": allocated - land_cents,
        "occupancy_share": occupancy,
        "land_earned_projected_cents": earned if projected_land else None,
        "land_forfeit_projected_cents": land_cents - earned if projected_land else None,
        "repayment_projected_cents": repayment if projected_land else None,
        "fte_months_approved": months[0], "fte_months_filled": months[1],
        "fte_months_vacant": months[0] - months[1],
        "categories": cats, "monthly_spent_cents": monthly,
    }


def _with_total(budget):
    keys = ("allocated_cents", "spent_cents", "received_cents", "land_cents",
            "own_share_cents", "projected_cents", "projected_unspent_cents", "plan_cents",
            "land_earned_projected_cents", "land_forfeit_projected_cents",
            "repayment_projected_cents")
    mods = budget["modules"]
    budget["total"] = {k: None if any(m[k] is None for m in mods) else sum(m[k] for m in mods)
                       for k in keys}
    total = budget["total"]
    total["utilisation"] = total["spent_cents"] / total["allocated_cents"] if total[
        "allocated_cents"] else None
    return budget


def _months(*cumulative):
    return [{"month": f"2025-{i:02d}", "cumulative_cents": c}
            for i, c in enumerate(cumulative, start=1)]


@pytest.fixture
def budget():
    return _with_total({
        "year": 2025,
        "modules": [
            _module("I", 100_000_00, 25_000_00, 91_250_00, 8_750_00,
                    _months(5_000_00, 15_000_00, 20_000_00, 25_000_00),
                    {"PERSONAL": (80_000_00, 20_000_00), "SACH": (20_000_00, 5_000_00)},
                    (4.0, 3.5), land=(80_000_00, 70_000_00, 80_000_00, 10_000_00),
                    months=(48.0, 42.0), occupancy=0.875),
            _module("II", 50_000_00, 20_000_00, 73_000_00, -23_000_00,
                    _months(0, 10_000_00, 15_000_00, 20_000_00),
                    {"PERSONAL": (50_000_00, 20_000_00)}, (1.0, 1.0),
                    land=(50_000_00, 50_000_00, 25_000_00, 0), months=(12.0, 12.0),
                    occupancy=1.0),
            _module("III", 0, 0, 0, 0, _months(0, 0, 0, 0), {}, (0.5, 0.0), months=(6.0, 0.0),
                    occupancy=0.0),
        ],
    })


def _traces(fig, name, axis=None):
    out = [t for t in fig.data if t.name == name]
    if axis is not None:
        out = [t for t in out if (t.xaxis or "x") == axis]
    return out


def test_bullets_put_the_plan_tick_at_elapsed_share_times_allocation(budget):
    fig = checked(bc.module_bullets(budget))
    plans = [t for t in fig.data if t.name == "Plan"]
    # 0,274 × 100.000 € = 27.400 €; 0,274 × 50.000 € = 13.700 €; 0,274 × 0 = 0.
    assert [t.x[0] for t in plans] == pytest.approx([27_400.0, 13_700.0, 0.0])
    assert [(t.xaxis, t.marker.symbol) for t in plans] == [
        ("x", "line-ns"), ("x2", "line-ns"), ("x3", "line-ns")
    ]


def test_bullets_draw_spent_in_module_colour_and_the_projection_paler(budget):
    fig = checked(bc.module_bullets(budget))
    spent = [t for t in fig.data if t.name == "Ausgegeben" and t.type == "bar"]
    assert [t.x[0] for t in spent] == [25_000.0, 20_000.0, 0.0]
    assert [t.marker.color for t in spent] == [theme.MODULE_COLOURS[m] for m in ("I", "II", "III")]
    assert spent[0].text[0] == "25.000\u00a0€ (25,0\u00a0%)"
    allocated = [t for t in fig.data if t.name == "Bewilligt" and t.type == "bar"]
    assert [t.x[0] for t in allocated] == [100_000.0, 50_000.0, 0.0]
    # The projection runs from spent to projected: 25.000 → 91.250 (66.250 long),
    # 20.000 → 73.000 (53.000); Modul III projects nothing beyond its 0 and has no segment.
    projection = _traces(fig, "Hochrechnung bis Jahresende")
    projection = [t for t in projection if t.type == "bar"]
    assert [(t.xaxis, t.base[0], t.x[0]) for t in projection] == [
        ("x", 25_000.0, 66_250.0), ("x2", 20_000.0, 53_000.0)
    ]
    assert projection[0].marker.color == theme.MODULE_COLOURS["I"]
    assert projection[0].marker.opacity < 1


def test_cumulative_spend_points_sit_on_month_ends_and_on_as_of(budget):
    fig = checked(bc.cumulative_spend(budget, AS_OF))
    spend = _traces(fig, "Ausgaben kumuliert")
    # 31 Jan = day 31, 28 Feb = day 59, 31 Mar = day 90, April ends at as_of 10 Apr = day 100.
    assert list(spend[0].x) == [31, 59, 90, 100]
    assert list(spend[0].y) == [5_000.0, 15_000.0, 20_000.0, 25_000.0]
    assert spend[0].text[-1] == "25.000\u00a0€"
    plan = _traces(fig, "Gleichmäßiger Abfluss bis zur Bewilligung")
    # A straight line from nothing on day 0 to the allocation on day 365.
    assert [(list(t.x), list(t.y)) for t in plan] == [
        ([0, 365], [0, 100_000.0]), ([0, 365], [0, 50_000.0]), ([0, 365], [0, 0.0])
    ]
    assert spend[1].line.color == theme.MODULE_COLOURS["II"]


def test_category_panels_show_only_categories_with_money(budget):
    fig = checked(bc.category_spend(budget))
    spent = [t for t in fig.data if t.name == "Ausgegeben"]
    assert [list(t.y) for t in spent] == [["Personal", "Sachkosten"], ["Personal"], []]
    assert list(spent[0].x) == [20_000.0, 5_000.0]
    # The table lists all five categories of all three modules.
    table = tables.table_rows(bc.CATEGORY_COLUMNS, bc.category_rows(budget), 5)
    assert len(table) == 15
    assert [table[2][f + "__text"] for f in
            ("module_label", "category_label", "allocated_cents", "spent_cents")] == [
        "Modul I", "Personal", "80.000\u00a0€", "20.000\u00a0€"
    ]


def test_staffing_prints_approved_and_filled_fte(budget):
    fig = checked(bc.staffing(budget))
    approved, filled = fig.data
    assert list(approved.y) == [4.0, 1.0, 0.5]
    assert list(filled.y) == [3.5, 1.0, 0.0]
    assert list(filled.text) == ["3,50", "1,00", "0,00"]
    # Unfilled: 4,0 − 3,5 = 0,5; 1 − 1 = 0; 0,5 − 0 = 0,5.
    assert [r["fte_vacant"] for r in bc.staffing_rows(budget)] == [0.5, 0.0, 0.5]


def test_land_funds_per_module_earned_forfeited_and_paid_back(budget):
    fig = checked(bc.land_funds(budget))
    earned = _traces(fig, "Landesmittel voraussichtlich abgerufen")
    earned_bar = next(t for t in earned if t.type == "bar")
    forfeit = next(t for t in _traces(fig, "Landesmittel voraussichtlich verfallen"))
    assert list(earned_bar.x) == [70_000.0, 50_000.0, 0.0]
    # stacked: the bar ends at the Land's grant; nothing forfeited draws no segment
    assert list(forfeit.x) == [10_000.0, None, None]
    assert list(forfeit.text)[0] == "10.000\u00a0€" and earned_bar.text[1] == "50.000\u00a0€"
    assert fig.layout.barmode == "stack"
    received = _traces(fig, "vom Land bereits erhalten")[0]
    assert list(received.x) == [80_000.0, 25_000.0, 0.0]
    texts = next(t for t in fig.data if t.type == "scatter" and t.mode == "text")
    assert list(texts.text) == ["10.000\u00a0€ zurückzuzahlen", "nichts zurückzuzahlen",
                                "nichts zurückzuzahlen"]
    rows = tables.table_rows(bc.land_columns(budget), bc.land_rows(budget), 5)
    assert [r["label"] for r in rows] == ["Modul I", "Modul II", "Modul III", "Gesamt"]
    total = {c.header: rows[-1][c.field + "__text"] for c in bc.land_columns(budget)}
    assert total == {
        "Modul": "Gesamt", "Landesmittel bewilligt": "130.000\u00a0€",
        "abgerufen (Prognose)": "120.000\u00a0€", "verfallen (Prognose)": "10.000\u00a0€",
        "bereits erhalten": "105.000\u00a0€", "davon Rückzahlung (Prognose)": "10.000\u00a0€",
        "Eigenanteil": "20.000\u00a0€",
    }
    # The sentence never calls the plan gap a repayment
    text = bc.land_summary_text(budget)
    assert text == (
        "Landesmittel bewilligt 130.000\u00a0€, davon voraussichtlich abgerufen 120.000\u00a0€ und "
        "voraussichtlich verfallen 10.000\u00a0€; vom Land bereits erhalten 105.000\u00a0€, davon "
        "voraussichtlich zurückzuzahlen 10.000\u00a0€. Eigenanteil: 20.000\u00a0€.")
    # Modul I: 48 - 42 = 6 FTE-months vacant; Modul III: 6 of 6
    assert bc.vacancy_text(budget) == (
        "Unbesetzte Stellen 2025 (laut Stellen- und Personaldaten, bis Jahresende): Modul I "
        "6,0 VZÄ-Monate (besetzt 87,5\u00a0%), Modul III 6,0 VZÄ-Monate (besetzt 0,0\u00a0%).")


def test_a_past_year_speaks_of_final_figures(budget):
    for m in budget["modules"]:
        m["elapsed_share"] = 1.0
    assert bc.is_final(budget)
    assert [c.header for c in bc.land_columns(budget)][2:4] == ["abgerufen", "verfallen"]
    assert "voraussichtlich" not in bc.land_summary_text(budget)


def test_module_table_formats_every_figure(budget):
    rows = tables.table_rows(bc.MODULE_COLUMNS, bc.module_rows(budget), 5)
    first = {c.header: rows[0][c.field + "__text"] for c in bc.MODULE_COLUMNS}
    assert first == {
        "Modul": "Modul I",
        "Bewilligt": "100.000\u00a0€",
        "Ausgegeben": "25.000\u00a0€",
        "Abfluss": "25,0\u00a0%",
        "Jahr vergangen": "27,4\u00a0%",
        "Hochrechnung Jahresende": "91.250\u00a0€",
        "Rest (Prognose)": "8.750\u00a0€",
        "vom Land erhalten": "80.000\u00a0€",
    }
    assert rows[2]["utilisation__text"] == "–"  # nothing allocated: no ratio
    monthly = bc.monthly_rows(budget)
    assert monthly[3] == {"month": "2025-04", "I": 25_000_00, "II": 20_000_00, "III": 0}
    assert [c.field for c in bc.monthly_columns(budget)] == ["month", "I", "II", "III"]


def test_an_empty_year_says_so_in_words():
    empty = _empty_budget()
    assert not bc.has_data(empty)
    for fig in (bc.module_bullets(empty), bc.cumulative_spend(empty, AS_OF),
                bc.category_spend(empty), bc.land_funds(empty), bc.staffing(empty)):
        fig = checked(fig)
        assert fig.data == ()
        assert fig.layout.annotations[0].text
    assert bc.land_rows(empty)[-1]["repayment_projected_cents"] is None
    assert bc.repayment_text(None) == "noch keine Hochrechnung"
    assert "keine Hochrechnung" in bc.land_summary_text(empty)


def _empty_budget():
    return _with_total({"year": 2030, "modules": [
        _module(m, 0, 0, None, None, [], {}, (0.0, 0.0)) for m in ("I", "II", "III")
    ]})


BUILDERS = {
    "empty_figure": lambda b: bc.empty_figure(),
    "module_bullets": bc.module_bullets,
    "cumulative_spend": lambda b: bc.cumulative_spend(b, AS_OF),
    "category_spend": bc.category_spend,
    "staffing": bc.staffing,
    "land_funds": bc.land_funds,
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("empty", [False, True], ids=["normal", "empty"])
def test_every_builder_returns_a_valid_figure_dict(budget, name, empty):
    data = _empty_budget() if empty else budget
    fig = BUILDERS[name](data)
    assert isinstance(fig, dict)
    checked(fig)
    # Fresh dicts on every call: changing one figure does not change the next.
    again = BUILDERS[name](data)
    assert again == fig
    assert again["layout"] is not fig["layout"]
    assert all(a is not b for a, b in zip(again["data"], fig["data"], strict=True))


@pytest.mark.parametrize("count", [1, 2, 3])
def test_bullets_stack_one_panel_per_module(budget, count):
    budget["modules"] = budget["modules"][:count]
    fig = checked(bc.module_bullets(budget))
    assert len(fig.layout.annotations) == count
    assert {t.yaxis for t in fig.data if t.type == "bar"} == {
        "y" if i == 1 else f"y{i}" for i in range(1, count + 1)
    }
    assert fig.layout.height == 150 * count + 120
