"""The view's state in the URL query string: parse it into a validated Filter (with German notes
for whatever was rejected) and write it back.

Parameters (all optional):
    von=YYYY-MM-DD   first day of the period (DD.MM.YYYY is accepted too)
    bis=YYYY-MM-DD   last day of the period, the reference day ("Stichtag") of every figure
    bezirk=ID        one district; on /fallzahlen this is also the drill-down level
                     (no bezirk: Kreis → Bezirke; bezirk: Bezirk → Gemeinden and Case Manager)
    gemeinde=AGS     one municipality of that district (8-digit AGS): on /fallzahlen the level
                     below the Bezirk (its case managers). Only together with bezirk; an AGS of
                     another district, an unknown one or garbage is dropped with a note
                     (`municipalities`, AGS → district id, checks it; without it, e.g. while
                     the database is away, a syntactically sound AGS is kept and the page
                     checks it). Changing the district drops it.
    praesentation=1  presentation mode (projector: large type, arrow keys step through pages);
                     0 or empty: off
    kontrast=hoch    the high-contrast theme; normal or empty: the normal one
The two display parameters are validated here and, when valid and switched on, kept in
`extra` in their canonical form ("1", "hoch"), so every link built from a state carries them
(the mode survives navigation). Every other parameter (e.g. the budget page's `jahr`) is kept
as it is and written back unchanged, so pages can define their own without touching this module.

The default is the current calendar year up to today. A value that cannot be used is dropped
and its part of the view falls back to the default; the note says so in German. K (min_cell) is a
server setting and deliberately not a URL parameter: a link must not lower the protection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from queries import filters
from queries.filters import Filter, FilterError

from . import format as fmt

PARAM_FROM = "von"
PARAM_TO = "bis"
PARAM_DISTRICT = "bezirk"
PARAM_MUNICIPALITY = "gemeinde"
PARAM_PRESENTATION = "praesentation"
PARAM_CONTRAST = "kontrast"
KNOWN_PARAMS = (PARAM_FROM, PARAM_TO, PARAM_DISTRICT, PARAM_MUNICIPALITY)
DISPLAY_PARAMS = (PARAM_PRESENTATION, PARAM_CONTRAST)
PRESENTATION_ON = "1"
CONTRAST_HIGH = "hoch"
# Accepted values -> whether the mode is on.
_DISPLAY_VALUES = {
    PARAM_PRESENTATION: {PRESENTATION_ON: True, "0": False, "": False},
    PARAM_CONTRAST: {CONTRAST_HIGH: True, "normal": False, "": False},
}
_DISPLAY_ON = {PARAM_PRESENTATION: PRESENTATION_ON, PARAM_CONTRAST: CONTRAST_HIGH}
_DISPLAY_REJECTED = {
    PARAM_PRESENTATION: "„praesentation“ (erlaubt: 1 oder 0); die Präsentationsansicht bleibt aus",
    PARAM_CONTRAST: "„kontrast“ (erlaubt: hoch oder normal); es gilt die normale Darstellung",
}

# Longest value worth reading: a date has 10 characters, an identifier at most 64 (DATA_MODEL.md).
MAX_VALUE_LENGTH = 64
# How much of a rejected value a note repeats to the reader.
ECHO_LENGTH = 30
_DISTRICT_SYNTAX = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
# A Gemeinde's 8-digit AGS or a Stadtteil key (`05315000-101`, DATA_MODEL.md).
_AGS_SYNTAX = re.compile(r"^[0-9]{8}(-[A-Z0-9]{1,12})?$")

PRESET_THIS_YEAR = "jahr"
PRESET_LAST_YEAR = "vorjahr"
PRESET_LAST_12_MONTHS = "12monate"
PRESET_PROGRAMME = "programm"
PRESET_CUSTOM = "eigener"

# Preset -> (German label, function today -> Filter giving the period).
PRESETS: dict[str, tuple[str, Callable[[date], Filter] | None]] = {
    PRESET_THIS_YEAR: ("Dieses Jahr", filters.current_year),
    PRESET_LAST_YEAR: ("Letztes Jahr", filters.last_year),
    PRESET_LAST_12_MONTHS: ("Letzte 12 Monate", filters.last_12_months),
    PRESET_PROGRAMME: (
        f"Seit Programmstart ({fmt.day(filters.PROGRAMME_START)})",
        filters.since_programme_start,
    ),
    PRESET_CUSTOM: ("Eigener Zeitraum", None),
}


@dataclass(frozen=True)
class UrlState:
    """What a URL asks for, after validation."""

    filter: Filter
    notes: tuple[str, ...] = ()
    # Parameters this module does not know, kept in their order for writing back.
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Whether the URL named any of von/bis/bezirk/gemeinde (False: the plain default view).
    explicit: bool = False
    # The municipality (AGS) of the drill-down level below the district; only with a district.
    municipality: str | None = None

    @property
    def district(self) -> str | None:
        return self.filter.district

    @property
    def presentation(self) -> bool:
        """Presentation mode (`praesentation=1`)."""
        return (PARAM_PRESENTATION, PRESENTATION_ON) in self.extra

    @property
    def high_contrast(self) -> bool:
        """The high-contrast theme (`kontrast=hoch`)."""
        return (PARAM_CONTRAST, CONTRAST_HIGH) in self.extra


def preset_label(preset: str, start: date | None = None) -> str:
    """The preset's label; "Seit Programmstart" names `start` (territory.started_on) if given."""
    if preset == PRESET_PROGRAMME and start is not None:
        return f"Seit Programmstart ({fmt.day(start)})"
    return PRESETS[preset][0]


def preset_period(preset: str, today: date, start: date | None = None) -> tuple[date, date]:
    """The (first, last) day a preset stands for on `today`; "since programme start" begins on
    `start` (territory.started_on, KPIS.md) when given, else on 1 July 2020."""
    if preset == PRESET_PROGRAMME and start is not None:
        return start, max(today, start)
    label_and_fn = PRESETS.get(preset)
    if label_and_fn is None or label_and_fn[1] is None:
        raise ValueError(f"no fixed period for preset {preset!r}")
    f = label_and_fn[1](today)
    return f.period_from, f.period_to


def preset_of(f: Filter, today: date, start: date | None = None) -> str:
    """The preset whose period the filter has, else PRESET_CUSTOM."""
    for name, (_label, fn) in PRESETS.items():
        if fn is not None and preset_period(name, today, start) == (f.period_from, f.period_to):
            return name
    return PRESET_CUSTOM


def default_filter(today: date, min_cell: int) -> Filter:
    return filters.current_year(today, min_cell=min_cell)


def _echo(value: str) -> str:
    shown = value if len(value) <= ECHO_LENGTH else value[:ECHO_LENGTH] + "…"
    return f"„{shown}“"


def parse_day(value: str) -> date | None:
    """An ISO date or a German one (31.12.2025); None when it is neither."""
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def parse(
    search: str | None,
    *,
    today: date,
    min_cell: int,
    districts: Collection[str] | None = None,
    municipalities: Mapping[str, str | None] | None = None,
) -> UrlState:
    """Read a query string ("?von=…&bis=…&bezirk=…") into a UrlState.

    `districts` are the known district ids; None when they cannot be looked up (the database is
    away), in which case a syntactically sound id is kept. `municipalities` maps each known AGS
    to its district id; None: a syntactically sound AGS is kept (the page checks it).
    """
    if not isinstance(search, str):
        search = None  # a forged callback value (number, list, …): the default view applies
    params: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    notes: list[str] = []
    seen_display: set[str] = set()
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        if key in KNOWN_PARAMS or key in DISPLAY_PARAMS:
            if key in params or key in seen_display:
                notes.append(f"Der Parameter „{key}“ kommt mehrfach vor; es gilt der erste Wert.")
                continue
            if key in DISPLAY_PARAMS:
                seen_display.add(key)
                on = _read_display(key, value, notes)
                if on:
                    extra.append((key, _DISPLAY_ON[key]))
                continue
            params[key] = value
        elif len(key) <= MAX_VALUE_LENGTH and len(value) <= MAX_VALUE_LENGTH:
            extra.append((key, value))

    first = _read_day(params, PARAM_FROM, notes)
    last = _read_day(params, PARAM_TO, notes)
    district = _read_district(params, districts, notes)
    municipality = _read_municipality(params, district, municipalities, notes)
    default = default_filter(today, min_cell)

    if first is None and last is None:
        first, last = default.period_from, default.period_to
    elif first is None:
        first = date(last.year, 1, 1)
    elif last is None:
        last = today if first <= today else date(first.year, 12, 31)
    if first > last:
        notes.append(
            f"Der Zeitraum {fmt.day(first)} bis {fmt.day(last)} beginnt nach seinem Ende; "
            "es gilt der Standardzeitraum (dieses Jahr bis heute)."
        )
        first, last = default.period_from, default.period_to
    try:
        f = Filter(first, last, district=district, min_cell=min_cell)
    except FilterError as exc:
        notes.append(f"{exc}; es gilt der Standardzeitraum (dieses Jahr bis heute).")
        f = default.with_district(district)
    return UrlState(filter=f, notes=tuple(notes), extra=tuple(extra), explicit=bool(params),
                    municipality=municipality)


def _read_display(key: str, value: str, notes: list[str]) -> bool:
    """Whether the display parameter `key` switches its mode on; a note for an unusable value."""
    on = _DISPLAY_VALUES[key].get(value.strip().lower())
    if on is None:
        shown = _echo(value) if len(value) <= MAX_VALUE_LENGTH else "Der Wert"
        notes.append(f"{shown} ist kein gültiger Wert für {_DISPLAY_REJECTED[key]}.")
        return False
    return on


def _read_day(params: dict[str, str], key: str, notes: list[str]) -> date | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    label = "Beginn („von“)" if key == PARAM_FROM else "Ende („bis“)"
    if len(raw) > MAX_VALUE_LENGTH:
        notes.append(f"Der Wert für {label} ist zu lang; es gilt der Standardwert.")
        return None
    day = parse_day(raw)
    if day is None:
        notes.append(
            f"{_echo(raw)} ist kein gültiges Datum für {label}; es gilt der Standardwert."
        )
        return None
    if not filters.EARLIEST <= day <= filters.LATEST:
        notes.append(
            f"Das Datum {fmt.day(day)} für {label} liegt außerhalb von "
            f"{filters.EARLIEST.year}–{filters.LATEST.year}; es gilt der Standardwert."
        )
        return None
    return day


def _read_district(
    params: dict[str, str], districts: Collection[str] | None, notes: list[str]
) -> str | None:
    raw = params.get(PARAM_DISTRICT)
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_VALUE_LENGTH:
        notes.append("Der Wert für den Bezirk ist zu lang; es werden alle Bezirke gezeigt.")
        return None
    known = raw in districts if districts is not None else bool(_DISTRICT_SYNTAX.match(raw))
    if not known:
        notes.append(f"Einen Bezirk {_echo(raw)} gibt es nicht; es werden alle Bezirke gezeigt.")
        return None
    return raw


def _read_municipality(
    params: dict[str, str],
    district: str | None,
    municipalities: Mapping[str, str | None] | None,
    notes: list[str],
) -> str | None:
    raw = params.get(PARAM_MUNICIPALITY)
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_VALUE_LENGTH:
        notes.append("Der Wert für die Gemeinde ist zu lang; es wird keine Gemeinde gezeigt.")
        return None
    if not _AGS_SYNTAX.match(raw):
        notes.append(f"{_echo(raw)} ist kein gültiger Gemeindeschlüssel (8 Ziffern, in einer "
                     "Stadt mit „-“ und Stadtteilnummer); es wird keine einzelne Gemeinde "
                     "gezeigt.")
        return None
    if municipalities is not None and raw not in municipalities:
        notes.append(f"Eine Gemeinde mit dem Schlüssel {_echo(raw)} gibt es nicht; es wird keine "
                     "einzelne Gemeinde gezeigt.")
        return None
    if district is None:
        notes.append(f"Die Gemeinde {_echo(raw)} kann nur zusammen mit ihrem Bezirk gewählt "
                     "werden; es wird keine einzelne Gemeinde gezeigt.")
        return None
    if municipalities is not None and municipalities[raw] != district:
        notes.append(municipality_note(raw, district))
        return None
    return raw


def municipality_note(ags: str, district: str) -> str:
    """The note for a municipality (AGS) that is not one of the district's."""
    return (f"Die Gemeinde {_echo(ags)} gehört nicht zum Bezirk {_echo(district)}; es wird der "
            "ganze Bezirk gezeigt.")


def to_search(
    period_from: date,
    period_to: date,
    district: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
    municipality: str | None = None,
) -> str:
    """The query string for a view, with the period always explicit, so a copied link shows the
    same period tomorrow. A municipality is written only together with its district."""
    pairs = [(PARAM_FROM, period_from.isoformat()), (PARAM_TO, period_to.isoformat())]
    if district:
        pairs.append((PARAM_DISTRICT, district))
        if municipality:
            pairs.append((PARAM_MUNICIPALITY, municipality))
    pairs.extend(extra)
    return "?" + urlencode(pairs)


def search_for(state: UrlState, **changes) -> str:
    """The query string of `state` with some parts changed (period_from, period_to, district,
    municipality). A change of the district drops the municipality unless one is given."""
    f = state.filter
    district = changes["district"] if "district" in changes else f.district
    if "municipality" in changes:
        municipality = changes["municipality"]
    else:
        municipality = state.municipality if district == f.district else None
    return to_search(
        changes.get("period_from", f.period_from),
        changes.get("period_to", f.period_to),
        district,
        state.extra,
        municipality,
    )


def link_search(state: UrlState) -> str:
    """The query string for links to other pages: the same view, cleaned of rejected values; empty
    for the plain default view, so its addresses stay plain."""
    if state.explicit:
        return search_for(state)
    return "?" + urlencode(state.extra) if state.extra else ""
