"""Chart and table builders of the Statuswechsel page, fed hand-made rows as queries/transitions.py
returns them (K = 5: counts 1 … 4 arrive as None)."""

from __future__ import annotations

import pytest

from dashboard import theme
from dashboard.components import tables
from dashboard.components import transition_charts as tc
from tests.figures import checked

K = 5
SUPPRESSED = "•"  # the one mark of a hidden count

# Sorted by (from, to) as transitions() lists them. Two flows are suppressed.
FLOWS = [
    {"from": "AE_SCHUTZ", "to": "NE", "count": 12},
    {"from": "DULDUNG", "to": "AE_25A", "count": None},
    {"from": "DULDUNG", "to": "AE_25B", "count": 7},
    {"from": "GESTATTUNG", "to": "AE_25A", "count": 6},
    {"from": "GESTATTUNG", "to": "AE_SCHUTZ", "count": 40},
    {"from": "GESTATTUNG", "to": "DULDUNG", "count": 9},
    {"from": "NE", "to": "DEUTSCH", "count": None},
]
# Nodes in code-list order: the groups' columns left to right, codes.py order within.
NODES = ["GESTATTUNG", "DULDUNG", "AE_SCHUTZ", "AE_25A", "AE_25B", "NE", "DEUTSCH"]


def _sankey():
    fig = checked(tc.status_sankey(FLOWS, K))
    (trace,) = fig.data
    return fig, trace


def test_sankey_nodes_are_ordered_in_group_columns_and_coloured_by_group():
    _fig, s = _sankey()
    n = len(NODES)
    assert list(s.node.x[:n]) == [0.001, 0.001, 0.3, 0.3, 0.3, 0.6, 0.999]
    groups = ["prekär", "prekär", "befristet", "befristet", "befristet", "verfestigt",
              "eingebürgert"]
    assert list(s.node.color[:n]) == [theme.STATUS_GROUP_COLOURS[g] for g in groups]
    # Within a column top to bottom in code order.
    y = dict(zip(NODES, s.node.y[:n], strict=True))
    assert y["GESTATTUNG"] < y["DULDUNG"]
    assert y["AE_SCHUTZ"] < y["AE_25A"] < y["AE_25B"]
    assert all(0 < v < 1 for v in y.values())


def test_sankey_node_labels_print_counts_and_never_an_exact_suppressed_one():
    _fig, s = _sankey()
    labels = list(s.node.label[: len(NODES)])
    # GESTATTUNG: nothing flows in, out 6 + 40 + 9 = 55. AE_25A: in 6 plus one suppressed flow
    # (at least 1) = "mind. 7". DEUTSCH: only a suppressed flow in -> "•".
    assert labels == [
        "Gestattung<br>55",
        "Duldung<br>9",
        "Schutzstatus § 25<br>40",
        "§ 25a Jugendliche<br>mind. 7",
        "§ 25b Integration<br>7",
        "Niederlassung<br>12",
        f"Eingebürgert<br>{SUPPRESSED}",
    ]


def test_sankey_marks_suppressed_flows_as_not_exact():
    _fig, s = _sankey()
    n = len(FLOWS)
    assert list(s.link.value[:n]) == [12, 1, 7, 6, 40, 9, 1]
    assert list(s.link.customdata[:n]) == ["12", SUPPRESSED, "7", "6", "40", "9", SUPPRESSED]
    grey = tc._rgba(theme.SUPPRESSED_LINE, 0.45)
    assert [c == grey for c in s.link.color[:n]] == [
        False, True, False, False, False, False, True
    ]
    # An exact flow takes its source group's colour.
    assert s.link.color[0] == tc._rgba(theme.STATUS_GROUP_COLOURS["befristet"], 0.45)
    assert (list(s.link.source[:n]), list(s.link.target[:n])) == (
        [2, 1, 1, 0, 0, 0, 5], [5, 3, 4, 3, 2, 1, 6]
    )


def test_sankey_labels_are_large_and_any_ballast_is_invisible():
    fig, s = _sankey()
    assert s.textfont.size >= 20
    headings = [a.text for a in fig.layout.annotations]
    assert headings == ["<b>prekär</b>", "<b>befristet</b>", "<b>verfestigt</b>",
                        "<b>eingebürgert</b>"]
    extra = list(s.node.label[len(NODES):])
    assert extra in ([], ["", ""])
    assert all(c == tc.TRANSPARENT for c in s.node.color[len(NODES):])
    assert all(c == tc.TRANSPARENT for c in s.link.color[len(FLOWS):])


def test_plotly_columns_follow_the_longest_path_and_put_sinks_last():
    sources = [2, 1, 1, 0, 0, 0, 5]
    targets = [5, 3, 4, 3, 2, 1, 6]
    # Depths: GESTATTUNG 0; DULDUNG, AE_SCHUTZ 1; NE 2 (via AE_SCHUTZ); DEUTSCH 3; the sinks
    # AE_25A, AE_25B and DEUTSCH go to the last column 3.
    assert tc.plotly_columns(7, sources, targets) == [[0], [1, 2], [5], [3, 4, 6]]
    # A cycle has no depth: every node its own column.
    assert tc.plotly_columns(2, [0, 1], [1, 0]) == [[0], [1]]


def test_no_transitions_say_so_in_words():
    fig = checked(tc.status_sankey([], K))
    assert fig.data == ()
    assert fig.layout.annotations[0].text == tc.EMPTY_TEXT


MONTHLY = [
    {"month": "2025-01", "bleiberecht": 6, "einbuergerungen": None},
    {"month": "2025-02", "bleiberecht": 0, "einbuergerungen": 7},
    {"month": "2025-03", "bleiberecht": None, "einbuergerungen": 0},
]


def test_monthly_bars_show_suppressed_months_as_labelled_stubs():
    fig = checked(tc.bleiberecht_monthly(MONTHLY, K))
    counts_b, stubs_b, counts_e, stubs_e = fig.data
    assert list(counts_b.x) == ["Jan. 2025", "Feb. 2025", "März 2025"]
    assert list(counts_b.y) == [6, 0, None]
    assert list(counts_b.text) == ["6", "0", ""]
    assert list(counts_e.y) == [None, 7, 0]
    # Stub height: 1,5 % of the largest shown count (7 × 0,015 = 0,105), the same for every
    # hidden count and whatever K (no floor that would tell "below K").
    assert list(stubs_b.y) == pytest.approx([None, None, 0.105])
    assert list(stubs_b.text) == ["", "", SUPPRESSED]
    assert list(stubs_e.y) == pytest.approx([0.105, None, None])
    assert list(checked(tc.bleiberecht_monthly(MONTHLY, 3)).data[1].y) == list(stubs_b.y)
    assert stubs_b.marker.color == theme.SUPPRESSED_FILL
    assert counts_b.offsetgroup == stubs_b.offsetgroup != counts_e.offsetgroup
    assert counts_b.marker.color == theme.STATUS_GROUP_COLOURS["befristet"]
    assert counts_e.marker.color == theme.STATUS_GROUP_COLOURS["eingebürgert"]
    # The stub legend entry appears once.
    assert [t.showlegend for t in (stubs_b, stubs_e)] == [True, False]
    table = tables.table_rows(tc.MONTHLY_COLUMNS, MONTHLY, K)[0]
    assert [table[c.field + "__text"] for c in tc.MONTHLY_COLUMNS] == [
        "Januar 2025", "6", SUPPRESSED
    ]


def test_count_axis_has_whole_number_ticks():
    # Only suppressed months: the axis runs to K × 1,2 = 6 in steps of 1, never 0,2 … 1,2.
    only_small = [{"month": "2025-01", "bleiberecht": None, "einbuergerungen": 0}]
    axis = checked(tc.bleiberecht_monthly(only_small, K)).layout.yaxis
    assert list(axis.range) == [0, 6.0] and axis.dtick == 1
    # Largest shown count 7: up to 8,4 in steps of 2; MONTHLY's 7 is Feb's Einbürgerungen.
    axis = checked(tc.bleiberecht_monthly(MONTHLY, K)).layout.yaxis
    assert list(axis.range) == pytest.approx([0, 8.4]) and axis.dtick == 2
    # Large counts: plotly chooses the ticks.
    big = [{"month": "2025-01", "bleiberecht": 40, "einbuergerungen": 12}]
    axis = checked(tc.bleiberecht_monthly(big, K)).layout.yaxis
    assert list(axis.range) == pytest.approx([0, 48]) and axis.dtick is None


def test_monthly_bars_without_any_event_say_so():
    rows = [{"month": "2025-01", "bleiberecht": 0, "einbuergerungen": 0}]
    fig = checked(tc.bleiberecht_monthly(rows, K))
    assert fig.data == ()
    assert "weder" in fig.layout.annotations[0].text


def test_gap_distribution_in_bucket_order_with_german_labels():
    rows = [
        {"bucket": "0", "count": 10},
        {"bucket": "1-7", "count": None},
        {"bucket": "8-30", "count": 5},
        {"bucket": "31-90", "count": 0},
        {"bucket": ">90", "count": 6},
    ]
    counts, stubs = checked(tc.sphere_gaps(rows, K)).data
    assert list(counts.x) == ["nahtlos (0 Tage)", "1–7 Tage", "8–30 Tage", "31–90 Tage",
                              "über 90 Tage"]
    assert list(counts.y) == [10, None, 5, 0, 6]
    # Stub: 10 × 0,015 = 0,15.
    assert list(stubs.y) == pytest.approx([None, 0.15, None, None, None])
    assert tc.gap_rows(rows)[1] == {"bucket_label": "1–7 Tage", "count": None}


def test_sphere_matrix_prints_counts_and_greys_suppressed_cells():
    flows = [
        {"from": "ASYLBLG", "to": "SGB2", "count": 20},
        {"from": "ASYLBLG", "to": "SGB12", "count": None},
        {"from": "SGB2", "to": "KEINE", "count": 8},
    ]
    (heat,) = checked(tc.sphere_flow_matrix(flows, K)).data
    # Rows and columns in the code list's order of codes.SPHERES (SGB12 after SGB8).
    assert list(heat.y) == ["AsylbLG", "SGB II"]
    assert list(heat.x) == ["SGB II", "SGB XII", "keine Leistungen"]
    assert [list(r) for r in heat.z] == [[20, -1, None], [None, None, 8]]
    assert [list(r) for r in heat.text] == [["20", SUPPRESSED, ""], ["", "", "8"]]
    assert tc.sphere_flow_rows(flows)[1] == {
        "from_label": "AsylbLG", "to_label": "SGB XII (Sozialhilfe)", "count": None
    }


GAPS = [
    {"bucket": "0", "count": 10},
    {"bucket": "1-7", "count": None},
    {"bucket": "8-30", "count": 5},
    {"bucket": "31-90", "count": 0},
    {"bucket": ">90", "count": 6},
]
SPHERE_FLOWS = [
    {"from": "ASYLBLG", "to": "SGB2", "count": 20},
    {"from": "ASYLBLG", "to": "SGB12", "count": None},
]
LONG_MONTHLY = [
    {"month": f"{2021 + i // 12}-{i % 12 + 1:02d}", "bleiberecht": None if i % 3 else i,
     "einbuergerungen": i}
    for i in range(30)
]


@pytest.mark.parametrize(
    ("builder", "normal", "empty"),
    [
        (tc.status_sankey, FLOWS, []),
        (tc.bleiberecht_monthly, MONTHLY, []),
        (tc.bleiberecht_monthly, LONG_MONTHLY,
         [{"month": "2025-01", "bleiberecht": 0, "einbuergerungen": 0}]),
        (tc.sphere_gaps, GAPS, []),
        (tc.sphere_gaps, GAPS, [{"bucket": b, "count": 0} for b in tc.GAP_LABELS]),
        (tc.sphere_flow_matrix, SPHERE_FLOWS, []),
    ],
)
@pytest.mark.parametrize("k", [1, 5, 10])
def test_every_builder_returns_a_plain_figure_dict(builder, normal, empty, k):
    fig = builder(normal, k)
    assert checked(fig).data
    # Fresh dicts on every call: changing one figure leaves the next one alone.
    fig["layout"]["height"] = 1
    fig["data"][0]["name"] = "changed"
    again = builder(normal, k)
    assert again["layout"]["height"] != 1 and again["data"][0].get("name") != "changed"
    none = checked(builder(empty, k))
    assert none.data == () and none.layout.annotations[0].text
    message = checked(tc.empty_figure("Nichts", height=300))
    assert message.layout.height == 300 and message.layout.xaxis.visible is False


def test_long_periods_leave_bar_numbers_to_the_table():
    fig = checked(tc.bleiberecht_monthly(LONG_MONTHLY, K))
    assert [t.texttemplate for t in fig.data] == ["", "", "", ""]


def test_status_flow_table_uses_full_legal_labels():
    row = tables.table_rows(tc.FLOW_COLUMNS, tc.status_flow_rows(FLOWS), K)[1]
    assert [row[c.field + "__text"] for c in tc.FLOW_COLUMNS] == [
        "Duldung (§ 60a AufenthG)", "Gut integrierte Jugendliche (§ 25a)", SUPPRESSED
    ]


def test_benefit_summary_in_german_with_suppressed_counts():
    from dashboard.pages.transitions import benefit_summary

    text = benefit_summary({"total": 1234, "seamless": 905, "seamless_share": 905 / 1234,
                            "median_gap_days": 0.0, "exits": 480}, 5)
    # 905 / 1234 = 0.73339 -> 73,3 %
    assert text == ("Leistungswechsel (eine Zeit ohne Leistungen zählt als Lücke): 1.234, davon "
                    "905 nahtlos (73,3\u00a0%); mittlere Lücke (Median): 0,0 Tage. "
                    "480\u00a0Austritte aus dem Leistungsbezug (bis zum Stichtag keine "
                    "Leistung mehr, etwa wegen Arbeit).")
    hidden = benefit_summary({"total": 7, "seamless": None, "seamless_share": None,
                              "median_gap_days": 12.5, "exits": None}, 5)
    assert "7, davon • nahtlos (–)" in hidden and "12,5 Tage" in hidden
    assert "•\u00a0Austritte" in hidden
    assert benefit_summary({"total": 0, "seamless": 0, "seamless_share": None,
                            "median_gap_days": None, "exits": 0}, 5).startswith(
        "Keine Wechsel von einer Leistung in eine andere. 0\u00a0Austritte")
