"""The KPI card: one headline figure, large, with its change against the same period a year earlier.

The change is told three ways, so it reaches everyone: an arrow and the numbers ("▼ Rückgang:
−5 (−10,0 %)"), a word that says what the change means for the programme ("besser",
"schlechter"), and a colour that matches the word (theme.CHANGE_BETTER blue, CHANGE_WORSE
vermillion, grey for a change that is neither; assets/app.css). Whether a rise is better, worse
or neither is declared per figure in POLARITY: fewer cases per FTE are better, more Bleiberecht
transitions and Einbürgerungen are better, more active or new cases are neither (no colour, no
word). Budget utilisation is judged against the plan: a rise is better (a fall worse) where the
spend lies behind the share of the year elapsed; above that line a change is neither.

Where there is nothing sensible to compare with (the comparison period would start before the
programme, queries.filters.Filter.comparison) the card says so in one neutral line instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dash_bootstrap_components as dbc
from dash import html

from .. import format as fmt

UP, DOWN, SAME, NONE = "up", "down", "same", "none"
ARROWS = {UP: "▲", DOWN: "▼", SAME: "▶", NONE: ""}
DIRECTION_WORDS = {UP: "Anstieg", DOWN: "Rückgang"}

# Polarity of a figure: what a rise means for the programme.
UP_BETTER, DOWN_BETTER, NEITHER = "up_better", "down_better", "neither"
# Judgement of one change (the CSS class kim-change-<judgement>).
BETTER, WORSE, NEUTRAL = "better", "worse", "neutral"
JUDGEMENT_WORDS = {BETTER: "besser", WORSE: "schlechter"}

# The headline figures of KPIS.md and what a rise means; "utilisation" is UP_BETTER only where
# the spend is behind plan (utilisation_polarity).
POLARITY = {
    "active": NEITHER,  # more clients: more need or better reach, neither in itself
    "per_fte": DOWN_BETTER,  # a lighter caseload per full-time case manager
    "opened": NEITHER,
    "bleiberecht": UP_BETTER,
    "einbuergerungen": UP_BETTER,
    "utilisation": UP_BETTER,
    "goal_share": UP_BETTER,  # more closed cases reached their goal or a regular service
}


@dataclass(frozen=True)
class Change:
    direction: str  # UP, DOWN, SAME or NONE (no comparison possible)
    main: str  # what the card always shows: "▼ Rückgang: −5 (−10,0 %), besser"
    against: str = ""  # "gegenüber 2024" or why there is no comparison (hidden on a projector)
    judgement: str = NEUTRAL  # BETTER, WORSE or NEUTRAL

    @property
    def text(self) -> str:
        return f"{self.main} {self.against}" if self.against else self.main

    @property
    def word(self) -> str | None:
        """"besser" / "schlechter", or None for a change that is neither."""
        return JUDGEMENT_WORDS.get(self.judgement)


def judge(direction: str, polarity: str) -> str:
    """BETTER, WORSE or NEUTRAL for a change in `direction` of a figure of `polarity`."""
    if (direction, polarity) in ((UP, UP_BETTER), (DOWN, DOWN_BETTER)):
        return BETTER
    if (direction, polarity) in ((DOWN, UP_BETTER), (UP, DOWN_BETTER)):
        return WORSE
    return NEUTRAL


def utilisation_polarity(now: float | None, now_elapsed: float | None,
                         before: float | None, before_elapsed: float | None) -> str:
    """Budget utilisation against the plan (the share of the year elapsed): the change is judged
    where the lower of the two values lies behind its plan (UP_BETTER: catching up is better,
    falling behind worse); where both are on or above the line it is NEITHER."""
    if now is None or before is None:
        return NEITHER
    lower, elapsed = (before, before_elapsed) if now >= before else (now, now_elapsed)
    if elapsed is None:
        return NEITHER
    return UP_BETTER if lower < elapsed else NEITHER


def no_comparison(reason: str) -> Change:
    """The neutral line of a card without a comparison, e.g. for "seit Programmstart"."""
    return Change(NONE, "Kein Vorjahresvergleich", reason)


def no_comparison_reason(start: date) -> str:
    """Why a period has no comparison: the period a year earlier would start before the
    programme, which started on `start`."""
    return f"(Vorjahr vor Programmstart {fmt.day(start)})"


def change(
    current: float | None,
    previous: float | None,
    previous_label: str,
    *,
    decimals: int = 0,
    points: bool = False,
    min_cell: int | None = None,
    polarity: str = NEITHER,
) -> Change:
    """The change from `previous` to `current` in words, e.g. for cases per FTE (DOWN_BETTER):
    "▼ Rückgang: −5 (−10,0 %), besser gegenüber 2024".

    points=True: both are ratios (0.452) and the change is told in Prozentpunkte, without a
    relative change. None on either side: no comparison (a suppressed count or a ratio that
    does not exist). `polarity` (POLARITY) decides the word and the colour.
    """
    against = f"gegenüber {previous_label}"
    if current is None or previous is None:
        if min_cell is not None:
            return Change(NONE, "Kein Vergleich möglich (Zahl geheim gehalten)", against)
        return Change(NONE, "Kein Vergleich möglich", against)
    if points:
        diff = round((current - previous) * 100, decimals)
        amount = f"{fmt.signed(diff, decimals)} Prozentpunkte"
    else:
        diff = round(current - previous, decimals)
        amount = fmt.signed(diff, decimals)
        if previous != 0 and diff != 0:
            amount += f" ({fmt.signed_percent((current - previous) / previous)})"
    if diff == 0:
        return Change(SAME, f"{ARROWS[SAME]} unverändert", against)
    direction = UP if diff > 0 else DOWN
    judgement = judge(direction, polarity)
    main = f"{ARROWS[direction]} {DIRECTION_WORDS[direction]}: {amount}"
    if judgement != NEUTRAL:
        main += f", {JUDGEMENT_WORDS[judgement]}"
    return Change(direction, main, against, judgement)


def _change_line(delta: Change, card_id: str) -> html.Div:
    """The change line. On a projector the words of the direction ("Rückgang:") and "gegenüber …"
    are hidden visually (screen readers still read them; the arrow, the numbers and the word
    stay), so the line fits the card."""
    children: list = []
    direction_word = DIRECTION_WORDS.get(delta.direction)
    rest = delta.main
    if direction_word and f" {direction_word}: " in rest:
        arrow, _, rest = rest.partition(f" {direction_word}: ")
        children += [arrow, html.Span(f" {direction_word}:", className="kim-kpi-dirword"), " "]
    if delta.word and rest.endswith(f", {delta.word}"):
        rest = rest[: -len(f", {delta.word}")]
        children += [rest, ", ", html.Strong(delta.word, className="kim-change-word")]
    else:
        children.append(rest)
    if delta.against:
        children.append(html.Span(" " + delta.against, className="kim-kpi-against"))
    return html.Div(
        children,
        className=f"kim-kpi-change kim-change-{delta.judgement} kim-change-dir-{delta.direction}",
        id=f"{card_id}-change",
    )


def kpi_card(
    title: str,
    value_text: str,
    delta: Change,
    *,
    card_id: str,
    detail: str | None = None,
    accent: str | None = None,
    scope: str | None = None,
) -> dbc.Card:
    """A card: title (with an optional scope such as "kreisweit"), big value, optional detail
    line, the change line."""
    heading = [title]
    if scope:
        heading.append(html.Span(f" · {scope}", className="kim-kpi-scope",
                                 id=f"{card_id}-scope"))
    body = [
        html.H2(heading, className="kim-kpi-title"),
        html.Div(value_text, className="kim-kpi-value", id=f"{card_id}-value"),
    ]
    if detail:
        body.append(html.Div(detail, className="kim-kpi-detail", id=f"{card_id}-detail"))
    body.append(_change_line(delta, card_id))
    style = {"borderTopColor": accent} if accent else None
    return dbc.Card(dbc.CardBody(body), className="kim-kpi h-100", id=card_id, style=style)
