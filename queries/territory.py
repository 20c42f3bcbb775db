"""The Kreis or kreisfreie Stadt the data describe, with the German words for its levels.

One `Territory` value is read per data state (`read(conn)`; the dashboard caches it with every
other figure) and is the only place that knows whether a page says "Kreis" or "Stadt":

    level           Kreis (KREIS)        kreisfreie Stadt (KREISFREIE_STADT)
    area            Kreis                Stadt
    district        Bezirk / Bezirke     Stadtbezirk / Stadtbezirke
    municipality    Gemeinde / Gemeinden Stadtteil / Stadtteile
    council         Kreistag             Rat der Stadt
    wide            kreisweit            stadtweit
    total           Kreis gesamt         Stadt gesamt

Where the `territory` table has its row (DATA_MODEL.md), name, kind and start come from it.
Without one, as before: the name from the setting KIM_KREIS_NAME or the NRW table of AGS
prefixes (queries/meta.kreis_name), and the kind from the municipality keys: Stadtteil keys
(`05315000-101`) or a prefix that names a kreisfreie Stadt ("Stadt Köln") make a city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from . import codes, schema

KREIS = "KREIS"
CITY = "KREISFREIE_STADT"
DEFAULT_START = date.fromisoformat(codes.PROGRAMME_START_ISO)


@dataclass(frozen=True)
class Territory:
    """The area as the UI names it; `row` is the territory row itself (None without one)."""

    name: str
    kind: str = KREIS
    started_on: date = DEFAULT_START
    ags: str | None = None
    from_row: bool = False

    @property
    def is_city(self) -> bool:
        return self.kind == CITY

    # -- words ---------------------------------------------------------------------------
    @property
    def area(self) -> str:
        """"Kreis" or "Stadt" (the level as a noun: "die Stadt", "der Kreis")."""
        return "Stadt" if self.is_city else "Kreis"

    @property
    def district_word(self) -> str:
        return "Stadtbezirk" if self.is_city else "Bezirk"

    @property
    def districts_word(self) -> str:
        return "Stadtbezirke" if self.is_city else "Bezirke"

    @property
    def municipality_word(self) -> str:
        return "Stadtteil" if self.is_city else "Gemeinde"

    @property
    def municipalities_word(self) -> str:
        return "Stadtteile" if self.is_city else "Gemeinden"

    @property
    def council(self) -> str:
        return "Rat der Stadt" if self.is_city else "Kreistag"

    @property
    def wide(self) -> str:
        """"kreisweit" or "stadtweit"."""
        return "stadtweit" if self.is_city else "kreisweit"

    @property
    def total(self) -> str:
        """The row of the whole area in a table: "Kreis gesamt" or "Stadt gesamt"."""
        return f"{self.area} gesamt"

    def district_label(self, name: str) -> str:
        """"Bezirk Nord" / "Stadtbezirk Innenstadt-Nord"."""
        return f"{self.district_word} {name}"

    def municipality_label(self, name: str) -> str:
        return f"{self.municipality_word} {name}"

    @property
    def all_districts(self) -> str:
        """"alle Bezirke" / "alle Stadtbezirke"."""
        return f"alle {self.districts_word}"

    # -- the report ------------------------------------------------------------------------
    def report_json(self) -> dict | None:
        """KPIS.md `territory`: the territory row (null without one)."""
        if not self.from_row:
            return None
        return {"ags": self.ags, "name": self.name, "kind": self.kind,
                "started_on": self.started_on.isoformat()}


def read(conn: Connection) -> Territory:
    """The territory of the data (see the module docstring)."""
    from .meta import kreis_name

    t = schema.territory
    row = conn.execute(
        select(t.c.ags, t.c.name, t.c.kind, t.c.started_on).order_by(t.c.ags).limit(1)
    ).first()
    if row is not None:
        return Territory(name=row.name, kind=row.kind, started_on=row.started_on or DEFAULT_START,
                         ags=row.ags, from_row=True)
    name = kreis_name(conn)
    m = schema.municipality
    key = conn.execute(select(m.c.ags).order_by(m.c.ags).limit(1)).scalar_one_or_none()
    city = (key is not None and "-" in key) or name.startswith("Stadt ")
    return Territory(name=name, kind=CITY if city else KREIS)
