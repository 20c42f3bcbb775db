"""The URL query string: parsing into a validated Filter with German notes, and writing it back."""

from dataclasses import replace
from datetime import date

from dashboard import urlstate
from dashboard.urlstate import parse, to_search

TODAY = date(2025, 11, 15)
KNOWN = {"NORD", "MITTE", "SUED"}


def test_no_parameters_give_this_year_up_to_today():
    state = parse("", today=TODAY, min_cell=5, districts=KNOWN)
    assert (state.filter.period_from, state.filter.period_to) == (date(2025, 1, 1), TODAY)
    assert state.filter.district is None
    assert state.filter.min_cell == 5
    assert state.notes == ()
    assert not state.explicit


def test_valid_parameters_are_taken():
    state = parse("?von=2024-03-01&bis=2024-06-30&bezirk=NORD", today=TODAY, min_cell=5,
                  districts=KNOWN)
    f = state.filter
    assert (f.period_from, f.period_to, f.district) == (date(2024, 3, 1), date(2024, 6, 30),
                                                         "NORD")
    assert state.notes == ()


def test_german_dates_are_accepted():
    state = parse("?von=01.03.2024&bis=30.06.2024", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.period_from == date(2024, 3, 1)
    assert state.filter.period_to == date(2024, 6, 30)


def test_garbage_falls_back_to_the_default_with_notes():
    state = parse("?von=kaputt&bezirk=%27%3BDROP", today=TODAY, min_cell=5, districts=KNOWN)
    f = state.filter
    assert (f.period_from, f.period_to, f.district) == (date(2025, 1, 1), TODAY, None)
    assert len(state.notes) == 2
    assert "„kaputt“ ist kein gültiges Datum" in state.notes[0]
    assert "Einen Bezirk „';DROP“ gibt es nicht" in state.notes[1]


def test_impossible_and_reversed_dates():
    state = parse("?von=2025-02-30", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.period_from == date(2025, 1, 1)
    assert "kein gültiges Datum" in state.notes[0]

    state = parse("?von=2025-06-01&bis=2025-03-01", today=TODAY, min_cell=5, districts=KNOWN)
    assert (state.filter.period_from, state.filter.period_to) == (date(2025, 1, 1), TODAY)
    assert "beginnt nach seinem Ende" in state.notes[0]

    state = parse("?von=1850-01-01", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.period_from == date(2025, 1, 1)
    assert "außerhalb" in state.notes[0]


def test_over_long_values_and_repeated_parameters():
    state = parse("?bezirk=" + "A" * 500, today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.district is None
    assert "zu lang" in state.notes[0]
    assert "A" * 40 not in state.notes[0]

    state = parse("?bezirk=NORD&bezirk=SUED", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.district == "NORD"
    assert "mehrfach" in state.notes[0]


def test_one_end_only():
    # only "bis": the period starts on 1 January of that year
    state = parse("?bis=2024-05-31", today=TODAY, min_cell=5, districts=KNOWN)
    assert (state.filter.period_from, state.filter.period_to) == (date(2024, 1, 1),
                                                                   date(2024, 5, 31))
    # only "von": the period runs to today
    state = parse("?von=2023-07-01", today=TODAY, min_cell=5, districts=KNOWN)
    assert (state.filter.period_from, state.filter.period_to) == (date(2023, 7, 1), TODAY)


def test_unknown_district_without_a_database_keeps_a_sound_id():
    assert parse("?bezirk=NORD", today=TODAY, min_cell=5, districts=None).filter.district == "NORD"
    assert parse("?bezirk=a%20b", today=TODAY, min_cell=5, districts=None).filter.district is None


def test_other_parameters_survive_a_round_trip():
    state = parse("?praesentation=1&bezirk=SUED", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.extra == (("praesentation", "1"),)
    again = urlstate.search_for(state, period_from=date(2024, 1, 1))
    assert again == "?von=2024-01-01&bis=2025-11-15&bezirk=SUED&praesentation=1"
    assert parse(again, today=TODAY, min_cell=5, districts=KNOWN).filter.district == "SUED"


def test_min_cell_is_not_a_url_parameter():
    state = parse("?min_cell=0&K=0", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.filter.min_cell == 5


def test_serialise_and_links():
    assert to_search(date(2025, 1, 1), date(2025, 12, 31), "NORD") == (
        "?von=2025-01-01&bis=2025-12-31&bezirk=NORD"
    )
    plain = parse("", today=TODAY, min_cell=5, districts=KNOWN)
    assert urlstate.link_search(plain) == ""
    bad = parse("?von=kaputt", today=TODAY, min_cell=5, districts=KNOWN)
    # links carry the cleaned view, not the rejected value
    assert urlstate.link_search(bad) == "?von=2025-01-01&bis=2025-11-15"


def test_presets_map_to_periods():
    assert urlstate.preset_period(urlstate.PRESET_THIS_YEAR, TODAY) == (date(2025, 1, 1), TODAY)
    assert urlstate.preset_period(urlstate.PRESET_LAST_YEAR, TODAY) == (
        date(2024, 1, 1), date(2024, 12, 31))
    assert urlstate.preset_period(urlstate.PRESET_LAST_12_MONTHS, TODAY) == (
        date(2024, 11, 16), TODAY)
    assert urlstate.preset_period(urlstate.PRESET_PROGRAMME, TODAY) == (date(2020, 7, 1), TODAY)
    state = parse("?von=2024-01-01&bis=2024-12-31", today=TODAY, min_cell=5, districts=KNOWN)
    assert urlstate.preset_of(state.filter, TODAY) == urlstate.PRESET_LAST_YEAR
    state = parse("?von=2024-01-02&bis=2024-12-31", today=TODAY, min_cell=5, districts=KNOWN)
    assert urlstate.preset_of(state.filter, TODAY) == urlstate.PRESET_CUSTOM


def test_display_parameters_are_validated_and_carried():
    state = parse("?praesentation=1&kontrast=hoch&jahr=2024", today=TODAY, min_cell=5,
                  districts=KNOWN)
    assert state.presentation and state.high_contrast
    assert state.notes == ()
    # links to other pages keep both modes (the mode survives navigation)
    assert urlstate.link_search(state) == "?praesentation=1&kontrast=hoch&jahr=2024"
    assert urlstate.search_for(state, district="NORD") == (
        "?von=2025-01-01&bis=2025-11-15&bezirk=NORD&praesentation=1&kontrast=hoch&jahr=2024")
    # canonical forms: upper case and blanks are read, "0"/"normal" mean off and are dropped
    state = parse("?praesentation=0&kontrast=HOCH", today=TODAY, min_cell=5, districts=KNOWN)
    assert not state.presentation and state.high_contrast
    assert state.extra == (("kontrast", "hoch"),)
    state = parse("?kontrast=normal", today=TODAY, min_cell=5, districts=KNOWN)
    assert not state.high_contrast and state.extra == () and state.notes == ()


def test_bad_display_values_fall_back_with_a_german_note():
    state = parse("?praesentation=ja&kontrast=grell", today=TODAY, min_cell=5, districts=KNOWN)
    assert not state.presentation and not state.high_contrast
    assert state.extra == ()
    assert state.notes == (
        "„ja“ ist kein gültiger Wert für „praesentation“ (erlaubt: 1 oder 0); die "
        "Präsentationsansicht bleibt aus.",
        "„grell“ ist kein gültiger Wert für „kontrast“ (erlaubt: hoch oder normal); es gilt "
        "die normale Darstellung.",
    )
    state = parse("?praesentation=1&praesentation=0", today=TODAY, min_cell=5, districts=KNOWN)
    assert state.presentation
    assert "mehrfach" in state.notes[0]
    state = parse("?kontrast=" + "x" * 60, today=TODAY, min_cell=5, districts=KNOWN)
    assert "x" * 40 not in state.notes[0] and not state.high_contrast



MUNICIPALITIES = {"05558012": "NORD", "05558020": "NORD", "05558016": "SUED"}


def _gemeinde(search: str, municipalities=MUNICIPALITIES):
    return parse(search, today=TODAY, min_cell=5, districts=KNOWN, municipalities=municipalities)


def test_municipality_of_the_district_is_taken_and_written_back():
    state = _gemeinde("?bezirk=NORD&gemeinde=05558012&praesentation=1")
    assert state.municipality == "05558012" and state.notes == () and state.explicit
    assert urlstate.link_search(state) == (
        "?von=2025-01-01&bis=2025-11-15&bezirk=NORD&gemeinde=05558012&praesentation=1"
    )
    # a period change (the filter bar) keeps it
    assert urlstate.search_for(state, period_from=date(2024, 1, 1)) == (
        "?von=2024-01-01&bis=2025-11-15&bezirk=NORD&gemeinde=05558012&praesentation=1"
    )
    # the same district keeps it, another district or all districts drop it
    assert "gemeinde=05558012" in urlstate.search_for(state, district="NORD")
    assert urlstate.search_for(state, district="SUED") == (
        "?von=2025-01-01&bis=2025-11-15&bezirk=SUED&praesentation=1"
    )
    assert urlstate.search_for(state, district=None) == (
        "?von=2025-01-01&bis=2025-11-15&praesentation=1"
    )
    # the breadcrumb's link up to the district drops it explicitly; a click sets another one
    assert "gemeinde" not in urlstate.search_for(state, municipality=None)
    assert urlstate.search_for(state, municipality="05558020").endswith(
        "bezirk=NORD&gemeinde=05558020&praesentation=1"
    )
    # never written without its district
    assert to_search(date(2025, 1, 1), date(2025, 1, 31), None, (), "05558012") == (
        "?von=2025-01-01&bis=2025-01-31"
    )


def test_budget_year_keeps_the_gemeinde_level():
    def year_search(view, year):
        return urlstate.search_for(view, year=year)

    search = "?von=2025-01-01&bis=2025-06-30&bezirk=NORD&gemeinde=05558012&kontrast=hoch"
    assert year_search(_gemeinde(search), 2024) == (
        "?von=2025-01-01&bis=2025-06-30&bezirk=NORD&gemeinde=05558012&kontrast=hoch&jahr=2024"
    )
    # a Gemeinde of another district is dropped as everywhere else
    assert "gemeinde" not in year_search(_gemeinde("?bezirk=NORD&gemeinde=05558016"), 2024)


def test_unusable_municipalities_are_dropped_with_a_german_note():
    cases = {
        "?bezirk=NORD&gemeinde=05558016": "gehört nicht zum Bezirk „NORD“",  # SUED's
        "?bezirk=NORD&gemeinde=05558999": "gibt es nicht",
        "?bezirk=NORD&gemeinde=Coesfeld": "kein gültiger Gemeindeschlüssel",
        "?bezirk=NORD&gemeinde=0555801": "kein gültiger Gemeindeschlüssel",
        "?bezirk=NORD&gemeinde=%3Cscript%3E": "kein gültiger Gemeindeschlüssel",
        "?gemeinde=05558012": "nur zusammen mit ihrem Bezirk",
        "?bezirk=NIRGENDS&gemeinde=05558012": "nur zusammen mit ihrem Bezirk",
        "?bezirk=NORD&gemeinde=" + "1" * 65: "zu lang",
    }
    for search, words in cases.items():
        state = _gemeinde(search)
        assert state.municipality is None, search
        assert any(words in n for n in state.notes), (search, state.notes)
        assert "gemeinde" not in urlstate.link_search(state), search
    # empty: nothing to say; repeated: the first counts
    assert _gemeinde("?bezirk=NORD&gemeinde=").notes == ()
    twice = _gemeinde("?bezirk=NORD&gemeinde=05558012&gemeinde=05558016")
    assert twice.municipality == "05558012" and "mehrfach" in twice.notes[0]


def test_municipality_without_a_database_keeps_a_sound_ags():
    state = parse("?bezirk=NORD&gemeinde=05558016", today=TODAY, min_cell=5, districts=None)
    assert state.municipality == "05558016" and state.notes == ()
    assert _gemeinde("?bezirk=NORD&gemeinde=0555801x", None).municipality is None


# -- the one View: bounds, notes, href round trip ----------------------------------------------


def test_one_set_of_bounds_for_the_budget_year():
    # URL, year select and the select's callback share urlstate.YEAR_MIN..YEAR_MAX (2020–2100)
    assert (urlstate.YEAR_MIN, urlstate.YEAR_MAX) == (2020, 2100)
    for raw, year in (("2020", 2020), ("2024", 2024), ("2100", 2100)):
        view = parse(f"?jahr={raw}", today=TODAY, min_cell=5, districts=KNOWN)
        assert (view.year, view.year_note, view.budget_year) == (year, None, year)
        assert urlstate.year_value(raw) == year
    for raw in ("2019", "2101", "9999", "zwanzig", "-1", "20x4"):
        view = parse(f"?jahr={raw}", today=TODAY, min_cell=5, districts=KNOWN)
        assert view.year is None and view.budget_year == 2025, raw  # the Stichtag's year
        assert view.year_note == (f"„{raw}“ ist kein gültiges Haushaltsjahr; es gilt das Jahr "
                                  "des Stichtags (2025)."), raw
        assert view.notes == (), raw  # the budget page shows it, not the frame
        assert urlstate.year_value(raw) is None, raw
    assert urlstate.year_value(2024) == 2024 and urlstate.year_value(True) is None
    from dashboard.pages.budget import year_options

    assert [o["value"] for o in year_options(2024, 2025)] == [
        "2026", "2025", "2024", "2023", "2022", "2021", "2020"]
    assert year_options(2100, 2100)[0]["value"] == "2100"  # never past YEAR_MAX


def test_slide_parameter_is_reserved_and_validated():
    view = parse("?folie=3&bezirk=NORD", today=TODAY, min_cell=5, districts=KNOWN)
    assert view.slide == 3 and view.notes == ()
    assert urlstate.link_search(view) == "?von=2025-01-01&bis=2025-11-15&bezirk=NORD&folie=3"
    for raw in ("0", "100", "drei", "-1"):
        view = parse(f"?folie={raw}", today=TODAY, min_cell=5, districts=KNOWN)
        assert view.slide is None and urlstate.link_search(view) == "", raw
        assert view.notes == (f"„{raw}“ ist keine gültige Foliennummer für „folie“ (erlaubt: 1 "
                              "bis 99); es gilt die erste Folie.",), raw


def test_href_round_trip_keeps_the_whole_view():
    search = ("?von=2025-02-01&bis=2025-06-30&bezirk=NORD&gemeinde=05558012&praesentation=1"
              "&kontrast=hoch&jahr=2024&folie=2")
    view = replace(_gemeinde(search), relative=lambda path: "/kim" + path,
                   paths=frozenset({"", "fallzahlen", "budget"}))
    href = view.href("/budget")
    assert href == "/kim/budget" + search
    again = _gemeinde(href.removeprefix("/kim/budget"))
    assert (again.filter, again.municipality, again.year, again.slide, again.presentation,
            again.high_contrast, again.notes) == (
        view.filter, "05558012", 2024, 2, True, True, ())
    # changes: the year replaces `jahr`; another district drops the Gemeinde
    assert view.href("/budget", year=2023).endswith("&folie=2&jahr=2023")
    assert "gemeinde" not in view.href("/fallzahlen", district="SUED")
    assert view.href("/wirkung") is None  # no such page in this app: no dead link


def test_nothing_but_urlstate_parses_the_query_string():
    """One View per request: dashboard/ reads the URL only through urlstate.read."""
    from pathlib import Path

    root = Path(urlstate.__file__).parent
    offenders = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "urlstate.py"
                 and any(word in p.read_text() for word in ("urlstate.parse(", "parse_qs",
                                                             "request.args", "query_string")))
    # downloads and the Verwendungsnachweis (proof.py) hand request.query_string to
    # urlstate.read; the response cache reads only an asset's version `m` (its compression key),
    # nothing of the view
    assert offenders == ["downloads.py", "proof.py", "response_cache.py"]


def test_notes_in_a_city_say_stadtbezirk_and_stadtteil():
    """A kreisfreie Stadt's View speaks of Stadtbezirke and Stadtteile, in their grammar."""
    from queries.territory import CITY, Territory

    city = Territory(name="Stadt Lindenberg", kind=CITY)
    municipalities = {"05999000-101": "NORD", "05999000-201": "SUED"}

    def notes(search):
        return " ".join(urlstate.parse(search, today=date(2025, 6, 30), min_cell=5,
                                       districts={"NORD", "SUED"},
                                       municipalities=municipalities, words=city).notes)

    assert notes("?bezirk=WEST") == (
        "Einen Stadtbezirk „WEST“ gibt es nicht; es werden alle Stadtbezirke gezeigt.")
    assert notes("?bezirk=NORD&gemeinde=Altstadt") == (
        "„Altstadt“ ist kein gültiger Stadtteilschlüssel (der Schlüssel der Stadt, „-“ und die "
        "Nummer des Stadtteils, z. B. 05315000-101); es wird kein einzelner Stadtteil gezeigt.")
    assert notes("?bezirk=NORD&gemeinde=05999000-999") == (
        "Einen Stadtteil mit dem Schlüssel „05999000-999“ gibt es nicht; es wird kein "
        "einzelner Stadtteil gezeigt.")
    assert notes("?gemeinde=05999000-101") == (
        "Der Stadtteil „05999000-101“ kann nur zusammen mit seinem Stadtbezirk gewählt werden; "
        "es wird kein einzelner Stadtteil gezeigt.")
    assert notes("?bezirk=NORD&gemeinde=05999000-201") == (
        "Der Stadtteil „05999000-201“ gehört nicht zum Stadtbezirk „NORD“; es wird der ganze "
        "Stadtbezirk gezeigt.")
    assert notes("?bezirk=NORD&gemeinde=" + "1" * 65) == (
        "Der Wert für den Stadtteil ist zu lang; es wird kein einzelner Stadtteil gezeigt.")
    assert "Gemeinde" not in notes("?bezirk=NORD&gemeinde=x") + notes("?gemeinde=05999000-101")
    # a Kreis (no words given) as before
    kreis = urlstate.parse("?gemeinde=05558012", today=date(2025, 6, 30), min_cell=5)
    assert kreis.notes == ("Die Gemeinde „05558012“ kann nur zusammen mit ihrem Bezirk gewählt "
                           "werden; es wird keine einzelne Gemeinde gezeigt.",)

