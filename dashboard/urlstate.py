"""The one View of a request: everything the URL asks for (pathname and query string), parsed once
and validated here, with German notes for whatever was rejected; and the only place that writes
a URL back (`search_for`, `link_search`, `View.href`). Nothing else reads the query string.

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
    jahr=YYYY        the Haushaltsjahr of the budget page (YEAR_MIN–YEAR_MAX; default: the year of
                     the Stichtag); an unusable value gives `year_note`, shown by the budget page
                     and the print report only
    folie=N          reserved for the slide deck: the slide number (1–SLIDE_MAX)
The two display parameters are validated here and, when valid and switched on, kept in
`extra` in their canonical form ("1", "hoch"), so every link built from a view carries them
(the mode survives navigation), as does a valid slide number. `jahr` and every unknown parameter
are kept as they are and written back unchanged.

`read(data, pathname, search)` is the entry point for the router, callbacks and downloads: it
looks up the known districts and Gemeinden (None while the database is away) and parses.

The default is the current calendar year up to today. A value that cannot be used is dropped
and its part of the view falls back to the default; the note says so in German. K (min_cell) is a
server setting and deliberately not a URL parameter: a link must not lower the protection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode

from queries import filters
from queries.filters import Filter, FilterError
from queries.territory import Territory

from . import format as fmt

PARAM_FROM = "von"
PARAM_TO = "bis"
PARAM_DISTRICT = "bezirk"
PARAM_MUNICIPALITY = "gemeinde"
PARAM_PRESENTATION = "praesentation"
PARAM_CONTRAST = "kontrast"
PARAM_YEAR = "jahr"
PARAM_SLIDE = "folie"
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

# The one set of bounds of the Haushaltsjahr (URL, year select, callback): from the programme's
# start to the last year a Filter accepts.
YEAR_MIN = filters.PROGRAMME_START.year
YEAR_MAX = filters.LATEST.year
SLIDE_MAX = 99

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
class View:
    """What one URL asks for, after validation, and the request it is drawn in."""

    filter: Filter
    notes: tuple[str, ...] = ()
    # Parameters written back as they came (display modes canonical, `jahr`, unknown ones).
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Whether the URL named any of von/bis/bezirk/gemeinde (False: the plain default view).
    explicit: bool = False
    # The municipality (AGS) of the drill-down level below the district; only with a district.
    municipality: str | None = None
    # The Haushaltsjahr asked for by `jahr` (None: the Stichtag's), and a note if unusable.
    year: int | None = None
    year_note: str | None = None
    slide: int | None = None
    pathname: str = "/"
    # The request around the URL (not part of it): data access, the Kreis' name, the app's
    # relative paths and the paths of its pages (href gives None for any other).
    data: object = field(default=None, compare=False, repr=False)
    kreis_name: str = ""
    relative: Callable[[str], str] = field(default=lambda path: path, compare=False, repr=False)
    paths: frozenset[str] | None = field(default=None, compare=False, repr=False)
    # The Kreis or Stadt and its level words (queries/territory.py); None: a Kreis named
    # kreis_name (a View parsed without its request, or while the database is away).
    territory: Territory | None = field(default=None, compare=False, repr=False)

    @property
    def words(self) -> Territory:
        """The territory whose words a page uses ("Bezirk"/"Stadtbezirk", "Kreis gesamt"/…)."""
        return self.territory or Territory(name=self.kreis_name)

    @property
    def district(self) -> str | None:
        return self.filter.district

    @property
    def min_cell(self) -> int:
        return self.filter.min_cell

    @property
    def budget_year(self) -> int:
        """The Haushaltsjahr shown: `jahr`, else the year of the Stichtag."""
        return self.year or self.filter.as_of.year

    @property
    def presentation(self) -> bool:
        """Presentation mode (`praesentation=1`)."""
        return (PARAM_PRESENTATION, PRESENTATION_ON) in self.extra

    @property
    def high_contrast(self) -> bool:
        """The high-contrast theme (`kontrast=hoch`)."""
        return (PARAM_CONTRAST, CONTRAST_HIGH) in self.extra

    def href(self, path: str, **changes) -> str | None:
        """A link to the page `path` carrying this view (with `changes` as in search_for); None
        when the app has no page there (yet)."""
        if self.paths is not None and path.strip("/") not in self.paths:
            return None
        return self.relative(path) + (search_for(self, **changes) if changes
                                      else link_search(self))


# The words of a View parsed without its territory: a Kreis's.
_KREIS = Territory(name="")


def kreis_text(name: str | None) -> str:
    return name or "Kreis unbekannt"


def read(data, pathname: str | None, search: object, *,
         relative: Callable[[str], str] | None = None,
         paths: Collection[str] | None = None) -> View:
    """The View of a request: the URL parsed against the districts and Gemeinden the database
    knows (while it is away: checked by syntax only, the router shows the banner)."""
    from .data import DataUnavailable  # data imports nothing of ours; kept local for clarity

    try:
        districts = {d["id"] for d in data.districts()}
        municipalities = data.municipality_districts()
        territory = data.territory()
        kreis = territory.name
    except DataUnavailable:
        districts = municipalities = kreis = territory = None
    view = parse(search if isinstance(search, str) else None,
                 today=data.today(), min_cell=data.min_cell, districts=districts,
                 municipalities=municipalities, words=territory)
    return replace(view, pathname=pathname if isinstance(pathname, str) else "/", data=data,
                   kreis_name=kreis_text(kreis), territory=territory,
                   relative=relative or (lambda path: path),
                   paths=frozenset(p.strip("/") for p in paths) if paths is not None else None)


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
    words: Territory | None = None,
) -> View:
    """Read a query string ("?von=…&bis=…&bezirk=…") into a View (without its request).

    `districts` are the known district ids; None when they cannot be looked up (the database is
    away), in which case a syntactically sound id is kept. `municipalities` maps each known AGS
    to its district id; None: a syntactically sound AGS is kept (the page checks it). `words`:
    the territory whose words the notes use (a city's Stadtbezirk and Stadtteil); None: a Kreis's.
    """
    words = words or _KREIS
    if not isinstance(search, str):
        search = None  # a forged callback value (number, list, …): the default view applies
    params: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    notes: list[str] = []
    seen_display: set[str] = set()
    year_raw: str | None = None
    slide: int | None = None
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        if key == PARAM_SLIDE:
            if key in seen_display:
                notes.append(f"Der Parameter „{key}“ kommt mehrfach vor; es gilt der erste Wert.")
                continue
            seen_display.add(key)
            slide = _read_slide(value, notes)
            if slide is not None:
                extra.append((key, str(slide)))
            continue
        if key == PARAM_YEAR and year_raw is None and len(value) <= MAX_VALUE_LENGTH:
            year_raw = value
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
    district = _read_district(params, districts, notes, words)
    municipality = _read_municipality(params, district, municipalities, notes, words)
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
    year, year_note = _read_year(year_raw, f)
    return View(filter=f, notes=tuple(notes), extra=tuple(extra), explicit=bool(params),
                municipality=municipality, year=year, year_note=year_note, slide=slide)


def _read_year(raw: str | None, f: Filter) -> tuple[int | None, str | None]:
    """(the Haushaltsjahr `jahr` asks for, or None for the default; a German note if unusable)."""
    if raw is None or raw == "":
        return None, None
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
    if year is not None and YEAR_MIN <= year <= YEAR_MAX:
        return year, None
    shown = raw if len(raw) <= 12 else raw[:12] + "…"
    return None, (f"„{shown}“ ist kein gültiges Haushaltsjahr; es gilt das Jahr des Stichtags "
                  f"({f.as_of.year}).")


def year_value(value: object) -> int | None:
    """A Haushaltsjahr as a control sends it (a four-digit string or an int), within the bounds;
    None for anything else (callback inputs can be forged)."""
    year = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and len(value) == 4 and value.isascii() and value.isdigit():
        year = int(value)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def _read_slide(value: str, notes: list[str]) -> int | None:
    raw = value.strip()
    if raw == "":
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= SLIDE_MAX:
        return int(raw)
    shown = _echo(value) if len(value) <= MAX_VALUE_LENGTH else "Der Wert"
    notes.append(f"{shown} ist keine gültige Foliennummer für „folie“ (erlaubt: 1 bis "
                 f"{SLIDE_MAX}); es gilt die erste Folie.")
    return None


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
    params: dict[str, str], districts: Collection[str] | None, notes: list[str],
    words: Territory = _KREIS,
) -> str | None:
    raw = params.get(PARAM_DISTRICT)
    if raw is None or raw == "":
        return None
    one, many = words.district_word, words.districts_word
    if len(raw) > MAX_VALUE_LENGTH:
        notes.append(f"Der Wert für den {one} ist zu lang; es werden alle {many} gezeigt.")
        return None
    known = raw in districts if districts is not None else bool(_DISTRICT_SYNTAX.match(raw))
    if not known:
        notes.append(f"Einen {one} {_echo(raw)} gibt es nicht; es werden alle {many} gezeigt.")
        return None
    return raw


@dataclass(frozen=True)
class _Unit:
    """A municipality-level unit in the cases a note needs: die Gemeinde / der Stadtteil."""

    the: str      # "die Gemeinde" / "der Stadtteil" (nominative)
    the_acc: str  # "die Gemeinde" / "den Stadtteil"
    none: str     # "keine einzelne Gemeinde" / "kein einzelner Stadtteil"
    a_acc: str    # "Eine Gemeinde" / "Einen Stadtteil"
    its: str      # "ihrem" / "seinem" (… Bezirk)
    key: str      # "Gemeindeschlüssel (…)" / "Stadtteilschlüssel (…)"


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unit(words: Territory) -> _Unit:
    if words.is_city:
        return _Unit("der Stadtteil", "den Stadtteil", "kein einzelner Stadtteil",
                     "Einen Stadtteil", "seinem",
                     "Stadtteilschlüssel (der Schlüssel der Stadt, „-“ und die Nummer des "
                     "Stadtteils, z. B. 05315000-101)")
    return _Unit("die Gemeinde", "die Gemeinde", "keine einzelne Gemeinde", "Eine Gemeinde",
                 "ihrem", "Gemeindeschlüssel (8 Ziffern)")


def _read_municipality(
    params: dict[str, str],
    district: str | None,
    municipalities: Mapping[str, str | None] | None,
    notes: list[str],
    words: Territory = _KREIS,
) -> str | None:
    raw = params.get(PARAM_MUNICIPALITY)
    if raw is None or raw == "":
        return None
    u = _unit(words)
    if len(raw) > MAX_VALUE_LENGTH:
        notes.append(f"Der Wert für {u.the_acc} ist zu lang; es wird {u.none} gezeigt.")
        return None
    if not _AGS_SYNTAX.match(raw):
        notes.append(f"{_echo(raw)} ist kein gültiger {u.key}; es wird {u.none} gezeigt.")
        return None
    if municipalities is not None and raw not in municipalities:
        notes.append(f"{u.a_acc} mit dem Schlüssel {_echo(raw)} gibt es nicht; es wird "
                     f"{u.none} gezeigt.")
        return None
    if district is None:
        notes.append(f"{_upper(u.the)} {_echo(raw)} kann nur zusammen mit {u.its} "
                     f"{words.district_word} gewählt werden; es wird {u.none} gezeigt.")
        return None
    if municipalities is not None and municipalities[raw] != district:
        notes.append(municipality_note(raw, district, words))
        return None
    return raw


def municipality_note(ags: str, district: str, words: Territory = _KREIS) -> str:
    """The note for a municipality (AGS) that is not one of the district's."""
    return (f"{_upper(_unit(words).the)} {_echo(ags)} gehört nicht zum "
            f"{words.district_word} {_echo(district)}; es wird der ganze {words.district_word} "
            "gezeigt.")


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


def search_for(state: View, **changes) -> str:
    """The query string of `state` with some parts changed (period_from, period_to, district,
    municipality, year). A change of the district drops the municipality unless one is given;
    a changed year replaces `jahr` (written last), everything else is kept."""
    f = state.filter
    extra = state.extra
    if "year" in changes:
        extra = tuple((k, v) for k, v in extra if k != PARAM_YEAR) + (
            ((PARAM_YEAR, str(changes["year"])),) if changes["year"] is not None else ())
    district = changes["district"] if "district" in changes else f.district
    if "municipality" in changes:
        municipality = changes["municipality"]
    else:
        municipality = state.municipality if district == f.district else None
    return to_search(
        changes.get("period_from", f.period_from),
        changes.get("period_to", f.period_to),
        district,
        extra,
        municipality,
    )


def link_search(state: View) -> str:
    """The query string for links to other pages: the same view, cleaned of rejected values; empty
    for the plain default view, so its addresses stay plain."""
    if state.explicit:
        return search_for(state)
    return "?" + urlencode(state.extra) if state.extra else ""
