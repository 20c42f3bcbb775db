"""Changes that say whether they are better or worse (components/kpi.py), their colours, and the
rule that decides when there is a comparison at all (Filter.comparison)."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pytest

from dashboard import theme
from dashboard.app_factory import create_app
from dashboard.components import filterbar, kpi
from dashboard.components.kpi import change
from queries.filters import COMPARISON_FROM, PROGRAMME_START, Filter, since_programme_start
from tests import change_fixture as fx
from tests.test_pages_shell import find, rendered, text_of

NBSP = "\u00a0"
MINUS = "\u2212"
CSS = (Path(__file__).resolve().parents[1] / "assets" / "app.css").read_text(encoding="utf-8")


# --- words and judgement -----------------------------------------------------------------------


def test_change_in_words_with_the_minus_sign():
    # 148 -> 160: +12, 12/148 = 8.108 % -> "+8,1 %"; no polarity: no word, neutral
    c = change(160, 148, "2024")
    assert (c.direction, c.judgement, c.word) == ("up", "neutral", None)
    assert c.text == f"▲ Anstieg: +12 (+8,1{NBSP}%) gegenüber 2024"
    # 50 -> 45: −5, −5/50 = −10 %; the minus sign is U+2212, never a hyphen
    down = change(45, 50, "2024")
    assert down.text == f"▼ Rückgang: {MINUS}5 ({MINUS}10,0{NBSP}%) gegenüber 2024"
    assert "-" not in down.text
    assert change(7, 7, "2024", polarity=kpi.UP_BETTER).text == "▶ unverändert gegenüber 2024"
    assert change(7, 7, "2024", polarity=kpi.UP_BETTER).judgement == "neutral"
    # from 0 there is no relative change
    assert change(3, 0, "2024").text == "▲ Anstieg: +3 gegenüber 2024"
    # utilisation 0.452 after 0.400: +5,2 Prozentpunkte; 0.40 after 0.452: −5,2
    assert change(0.452, 0.4, "2024", decimals=1, points=True).main == (
        "▲ Anstieg: +5,2 Prozentpunkte")
    assert change(0.4, 0.452, "2024", decimals=1, points=True).main == (
        f"▼ Rückgang: {MINUS}5,2 Prozentpunkte")
    none = change(None, 12, "2024", min_cell=5, polarity=kpi.UP_BETTER)
    assert (none.direction, none.judgement) == ("none", "neutral")
    assert none.text == "Kein Vergleich möglich (Zahl geheim gehalten) gegenüber 2024"


@pytest.mark.parametrize(("figure", "rise", "fall"), [
    ("active", "neutral", "neutral"),
    ("opened", "neutral", "neutral"),
    ("per_fte", "worse", "better"),
    ("bleiberecht", "better", "worse"),
    ("einbuergerungen", "better", "worse"),
])
def test_each_headline_figure_declares_what_a_rise_means(figure, rise, fall):
    polarity = kpi.POLARITY[figure]
    up = change(12, 10, "2024", polarity=polarity)  # +2 (+20 %)
    down = change(8, 10, "2024", polarity=polarity)  # −2 (−20 %)
    assert (up.judgement, down.judgement) == (rise, fall)
    words = {"better": ", besser", "worse": ", schlechter", "neutral": ""}
    assert up.main == f"▲ Anstieg: +2 (+20,0{NBSP}%){words[rise]}"
    assert down.main == f"▼ Rückgang: {MINUS}2 ({MINUS}20,0{NBSP}%){words[fall]}"


def test_utilisation_is_judged_against_the_share_of_the_year_elapsed():
    half = 0.5
    # 20 % -> 30 % while half the year is gone: behind plan and catching up -> better
    assert kpi.utilisation_polarity(0.3, half, 0.2, half) == kpi.UP_BETTER
    assert change(0.3, 0.2, "x", points=True, decimals=1,
                  polarity=kpi.UP_BETTER).judgement == "better"
    # 30 % -> 10 %: falls behind plan -> the fall is worse
    assert kpi.utilisation_polarity(0.1, half, 0.3, half) == kpi.UP_BETTER
    # 60 % -> 70 % and 70 % -> 55 %: on or above the line both times -> neither
    assert kpi.utilisation_polarity(0.7, half, 0.6, half) == kpi.NEITHER
    assert kpi.utilisation_polarity(0.55, half, 0.7, half) == kpi.NEITHER
    # 40 % -> 60 %: from behind to ahead -> better; nothing to compare -> neither
    assert kpi.utilisation_polarity(0.6, half, 0.4, half) == kpi.UP_BETTER
    assert kpi.utilisation_polarity(None, half, 0.4, half) == kpi.NEITHER


# --- colours -----------------------------------------------------------------------------------


def _css_var(block_selector: str, name: str) -> str:
    block = re.search(re.escape(block_selector) + r"\s*\{([^}]*)\}", CSS).group(1)
    return re.search(rf"--kim-{name}:\s*(#[0-9A-Fa-f]{{6}})", block).group(1).upper()


def test_css_change_colours_are_the_themes_and_meet_wcag_aa():
    normal = {"better": theme.CHANGE_BETTER, "worse": theme.CHANGE_WORSE,
              "neutral": theme.CHANGE_NEUTRAL}
    contrast = {"better": theme.CONTRAST_CHANGE_BETTER, "worse": theme.CONTRAST_CHANGE_WORSE,
                "neutral": theme.CONTRAST_CHANGE_NEUTRAL}
    for name in normal:
        assert _css_var(":root", name) == normal[name].upper()
        assert _css_var("html.kim-contrast-high", name) == contrast[name].upper()
        assert theme.contrast_ratio(normal[name]) >= 4.5, name  # AA on white
        assert theme.contrast_ratio(contrast[name]) >= 7.0, name  # the high-contrast theme
    for judgement in ("better", "worse", "neutral"):
        assert f".kim-change-{judgement} {{ color: var(--kim-{judgement})" in CSS


# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB.
CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def _lab(hex_colour: str, matrix=None) -> tuple[float, float, float]:
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    rgb = [linear(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5)]
    if matrix:
        rgb = [min(max(sum(m * v for m, v in zip(row, rgb, strict=True)), 0), 1)
               for row in matrix]
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_better_and_worse_stay_apart_for_colour_blind_readers(deficiency):
    # CIE76 distance between the simulated colours: better and worse far apart (> 40, about
    # the distance of blue and orange), each clearly apart from the neutral grey (> 25).
    matrix = CVD.get(deficiency)
    for better, worse, neutral in (
        (theme.CHANGE_BETTER, theme.CHANGE_WORSE, theme.CHANGE_NEUTRAL),
        (theme.CONTRAST_CHANGE_BETTER, theme.CONTRAST_CHANGE_WORSE,
         theme.CONTRAST_CHANGE_NEUTRAL),
    ):
        b, w, n = (_lab(c, matrix) for c in (better, worse, neutral))
        assert math.dist(b, w) > 40, (deficiency, better, worse)
        assert math.dist(b, n) > 25 and math.dist(w, n) > 25, (deficiency, neutral)


# --- the comparison rule -----------------------------------------------------------------------


def test_no_comparison_for_a_period_starting_before_the_first_programme_year():
    assert COMPARISON_FROM == date(2021, 7, 1)
    # from 30.06.2021 the period a year earlier starts 30.06.2020, before the programme
    assert Filter(date(2021, 6, 30), date(2021, 12, 31)).comparison() is None
    # from 01.07.2021 it starts 01.07.2020, the programme's first day
    prev = Filter(date(2021, 7, 1), date(2021, 12, 31)).comparison()
    assert (prev.period_from, prev.period_to) == (date(2020, 7, 1), date(2020, 12, 31))
    assert since_programme_start(date(2025, 12, 2)).comparison() is None
    assert Filter(PROGRAMME_START, date(2020, 12, 31)).comparison() is None
    # the budget compares the year before, which must not start before the programme either
    assert Filter(date(2021, 7, 1), date(2021, 12, 31)).budget_comparison_year() is None
    assert Filter(date(2022, 1, 1), date(2022, 6, 30)).budget_comparison_year() == 2021
    assert Filter(date(2021, 6, 30), date(2022, 6, 30)).budget_comparison_year() is None
    # the folded filter line says the same
    assert filterbar.compare_text(Filter(date(2021, 6, 30), date(2021, 12, 31))) == (
        "Kein Vorjahresvergleich (Beginn vor 01.07.2021)")
    assert filterbar.compare_text(Filter(date(2021, 7, 1), date(2021, 12, 31))) == (
        "Vergleich: Vorjahr")


# --- the cards on a database where every figure rises and then falls -------------------------


def _cards(db_url, search):
    app = create_app(database_url=db_url, min_cell=fx.MIN_CELL, cache_config="null",
                     today=fx.TODAY)
    page = rendered(app, "/", search)["page"]
    out = {}
    for card_id in fx.CARD_IDS:
        line = find(page, f"{card_id}-change")
        classes = line.className.split()
        judgement = next(c.removeprefix("kim-change-") for c in classes
                         if c in ("kim-change-better", "kim-change-worse",
                                  "kim-change-neutral"))
        out[card_id] = (text_of(line), judgement, text_of(find(page, f"{card_id}-scope")))
    return out


@pytest.mark.parametrize("case", ["rise", "fall"])
def test_cards_colour_and_word_each_change(engine, db_url, case):
    fx.load(engine)
    first, last = fx.RISE if case == "rise" else fx.FALL
    year = int(first[:4])
    cards = _cards(db_url, f"?von={first}&bis={last}")
    for card_id, (main, judgement) in fx.EXPECTED[case].items():
        text, got, scope = cards[card_id]
        against = (f"gegenüber {year - 1} zum gleichen Tag" if "budget" in card_id
                   else f"gegenüber 01.01.–30.06.{year - 1}")
        assert (text, got) == (f"{main} {against}", judgement), card_id
        assert scope == ""  # Kreis gesamt: no "kreisweit"


def test_budget_cards_say_kreisweit_when_a_bezirk_is_chosen(engine, db_url):
    fx.load(engine)
    first, last = fx.FALL
    cards = _cards(db_url, f"?von={first}&bis={last}&bezirk=NORD")
    for card_id, (_text, _judgement, scope) in cards.items():
        assert scope == (" · kreisweit" if "budget" in card_id else ""), card_id
    # the budget is the Kreis's: the same change as without a Bezirk
    assert cards["kpi-budget-I"][1] == "worse"


def test_since_programme_start_shows_no_comparison(engine, db_url):
    fx.load(engine)
    cards = _cards(db_url, "?von=2020-07-01&bis=2025-06-30")
    for card_id, (text, judgement, _scope) in cards.items():
        assert (text, judgement) == (
            "Kein Vorjahresvergleich (Vorjahr vor Programmstart 01.07.2020)",
            "neutral"), card_id


def test_boundary_dates_on_the_cards(engine, db_url):
    fx.load(engine)
    # from 30.06.2021: none; from 01.07.2021 the caseload is compared (the budget of 2021 is
    # not: its year before, 2020, began before the programme)
    before = _cards(db_url, "?von=2021-06-30&bis=2021-12-31")
    assert before["kpi-active"][0].startswith("Kein Vorjahresvergleich")
    assert before["kpi-budget-I"][0].startswith("Kein Vorjahresvergleich (Vorjahr vor")
    after = _cards(db_url, "?von=2021-07-01&bis=2021-12-31")
    # nothing happened in 2020 or 2021 in this fixture: 0 -> 0
    assert after["kpi-active"][0] == "▶ unverändert gegenüber 01.07.–31.12.2020"
    assert after["kpi-budget-I"][0] == (
        "Kein Vorjahresvergleich (Haushaltsjahr 2020 begann vor Programmstart 01.07.2020)")
