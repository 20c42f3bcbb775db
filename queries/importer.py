"""Load a folder of CSV files all or nothing (`kim import`) and write tables back (`kim export`).

Import (DATA_MODEL.md, "CSV import"): every file is streamed once with the csv module,
validated in Python with dicts and sets, and inserted in large batches inside one
transaction. As soon as any problem is found nothing more is inserted, but every file is
still checked to the end so that every problem is reported; the transaction is then rolled
back and the database is unchanged. Exactly one `import_run` row records every import: an
OK run is written in the data transaction itself (the "Datenstand" can never claim data
that was not committed), a refused run in a transaction of its own after the rollback.

Decisions where DATA_MODEL.md is silent (what a county's data office would expect):
- A `close_reason` without `closed_on` is an error (a reason for a case that is not closed
  makes no sense); `closed_on` without `close_reason` is accepted (reason not recorded).
- Columns that may be NULL may be left out of a file (they import as NULL); a column
  that may not be NULL must be present.
- Rows whose fields are all empty (spreadsheets append `;;;;` lines) are skipped.
- Plausibility: `birth_year` 1900 up to the current year, `year` 2000–2100, `population`
  not negative, FTE from 0 to 99.99, `arrival_date` not before the birth year, `citizenship`
  three capital letters. In the German dialect integers may carry `.` thousands separators.
- A folder without any `.csv` file is refused (most likely the wrong folder).
- The shrink guard compares row counts: new rows fewer than half of the existing rows.
- Rows of a file not in the import that point at keys a replaced table no longer has are
  a problem of the replaced table's file (naming the table and a few of the keys).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from . import codes, runs, schema

MAX_ID_LENGTH = 64
# Rows per executemany / COPY batch: large enough to amortise round trips, small enough
# that a batch of the widest table stays a few megabytes.
BATCH_ROWS = 20_000
# Examples named when rows of a table outside the import point at keys that disappear.
MAX_EXAMPLES = 5
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

ID, TEXT, DATE, INT, MONEY, FTE, AGS, KEY, ISO3, CODE = (
    "id", "text", "date", "int", "money", "fte", "ags", "key", "iso3", "code",
)


@dataclass(frozen=True)
class ColumnSpec:
    """One CSV column: its name in the file, its database column and how to read it."""

    name: str
    db: str
    kind: str
    required: bool
    allowed: tuple[str, ...] = ()
    lo: int | None = None
    hi: int | None = None


def _code(values) -> tuple[str, tuple[str, ...]]:
    return (CODE, tuple(values))


# How each database column is read; nullability comes from schema.py.
_KINDS: dict[str, dict[str, object]] = {
    "territory": {
        "ags": AGS, "name": TEXT, "kind": _code(codes.TERRITORY_KINDS), "started_on": DATE,
    },
    "district": {"id": ID, "name": TEXT},
    "municipality": {
        "ags": KEY, "name": TEXT, "district_id": ID, "population": (INT, 0, INT32_MAX),
        "kind": _code(codes.MUNICIPALITY_KINDS),
    },
    "funded_position": {
        "id": ID, "module": _code(codes.MODULES), "role": _code(codes.ROLES),
        "fte_approved": FTE, "approved_from": DATE, "approved_to": DATE,
    },
    "staff": {
        "id": ID, "position_id": ID, "district_id": ID, "fte": FTE,
        "active_from": DATE, "active_to": DATE,
    },
    "person": {
        "id": ID, "birth_year": (INT, 1900, None), "sex": _code(codes.SEXES),
        "citizenship": ISO3, "arrival_date": DATE,
    },
    "case_file": {
        "id": ID, "person_id": ID, "municipality_ags": KEY, "staff_id": ID, "opened_on": DATE,
        "closed_on": DATE, "close_reason": _code(codes.CLOSE_REASONS),
    },
    "case_need": {
        "case_id": ID, "need": _code(codes.NEEDS), "identified_on": DATE, "resolved_on": DATE,
    },
    "referral": {
        "case_id": ID, "institution": _code(codes.INSTITUTIONS), "referred_on": DATE,
        "outcome": _code(codes.REFERRAL_OUTCOMES),
    },
    "legal_status_episode": {
        "person_id": ID, "status": _code(codes.STATUS_CODES), "valid_from": DATE, "valid_to": DATE,
    },
    "legal_sphere_episode": {
        "person_id": ID, "sphere": _code(codes.SPHERES), "valid_from": DATE, "valid_to": DATE,
    },
    "budget_allocation": {
        "year": (INT, 2000, 2100), "module": _code(codes.MODULES),
        "category": _code(codes.CATEGORIES), "source": _code(codes.SOURCES),
        "amount_cents": MONEY,
    },
    "ledger_entry": {
        "id": ID, "booked_on": DATE, "year": (INT, 2000, 2100), "module": _code(codes.MODULES),
        "category": _code(codes.CATEGORIES), "kind": _code(codes.LEDGER_KINDS),
        "amount_cents": MONEY, "text": TEXT,
    },
}

# Date columns that must not lie before another date column of the same row.
_DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "funded_position": (("approved_to", "approved_from"),),
    "staff": (("active_to", "active_from"),),
    "case_file": (("closed_on", "opened_on"),),
    "case_need": (("resolved_on", "identified_on"),),
    "legal_status_episode": (("valid_to", "valid_from"),),
    "legal_sphere_episode": (("valid_to", "valid_from"),),
}
# Tables whose keys other tables point at.
_REFERENCED = frozenset(
    fk.column.table.name for t in schema.DATA_TABLES for c in t.columns for fk in c.foreign_keys
)
# Tables of per-person episodes that must not overlap and of which only the latest may be open.
_EPISODES = ("legal_status_episode", "legal_sphere_episode")


def _csv_name(column: str) -> str:
    return "amount_eur" if column == "amount_cents" else column


def _specs(table: Table) -> tuple[ColumnSpec, ...]:
    kinds = _KINDS[table.name]
    specs = []
    for col in table.columns:
        kind = kinds[col.name]
        allowed: tuple[str, ...] = ()
        lo = hi = None
        if isinstance(kind, tuple) and kind[0] == CODE:
            kind, allowed = kind
        elif isinstance(kind, tuple):
            kind, lo, hi = kind
        specs.append(
            ColumnSpec(_csv_name(col.name), col.name, kind, not col.nullable, allowed, lo, hi)
        )
    return tuple(specs)


SPECS: dict[str, tuple[ColumnSpec, ...]] = {t.name: _specs(t) for t in schema.DATA_TABLES}


@dataclass
class ImportResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    run_id: int = 0


_UNREAD = object()


class _Bad(ValueError):
    """A field that cannot be read; the message is the German problem text."""


# --- reading single fields -------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DE_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_EN_INT = re.compile(r"-?\d+")
_DE_INT = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)")
_EN_DEC = re.compile(r"(-?)(\d+)(?:\.(\d{1,2}))?")
_DE_DEC = re.compile(r"(-?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?")
_AGS = re.compile(r"\d{8}")
# A Stadtteil key (DATA_MODEL.md): the city's AGS, "-", 1 to 12 of A-Z and 0-9.
_STADTTEIL_KEY = re.compile(r"(\d{8})-[A-Z0-9]{1,12}")
_ISO3 = re.compile(r"[A-Z]{3}")


def _text(s: str) -> str:
    if "\x00" in s:
        raise _Bad("enthält ein Nullzeichen")
    return s


def _ident(s: str) -> str:
    if len(s) > MAX_ID_LENGTH:
        raise _Bad(f"Kennung länger als {MAX_ID_LENGTH} Zeichen ({len(s)})")
    return _text(s)


def _iso_date(s: str) -> date:
    s = s.strip()
    if not _ISO_DATE.fullmatch(s):
        raise _Bad(f"kein Datum im Format JJJJ-MM-TT: {s!r}")
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise _Bad(f"ungültiges Datum: {s!r}") from None


def _de_date(s: str) -> date:
    s = s.strip()
    m = _DE_DATE.fullmatch(s)
    if not m:
        raise _Bad(f"kein Datum im Format TT.MM.JJJJ: {s!r}")
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise _Bad(f"ungültiges Datum: {s!r}") from None


def _cached(read: Callable[[str], object]) -> Callable[[str], object]:
    """Remember readings: a file of millions of rows holds only a few thousand distinct dates."""
    cache: dict[str, object] = {}

    def cached(s: str) -> object:
        v = cache.get(s)
        if v is None:
            v = cache[s] = read(s)  # an unreadable value raises and is not remembered
        return v

    return cached


def _make_int(pattern: re.Pattern, lo: int, hi: int) -> Callable[[str], int]:
    def read(s: str) -> int:
        s = s.strip()
        if not pattern.fullmatch(s):
            raise _Bad(f"keine ganze Zahl: {s!r}")
        v = int(s.replace(".", ""))
        if v < lo or v > hi:
            raise _Bad(f"{v} liegt nicht zwischen {lo} und {hi}")
        return v

    return read


def _hundredths(pattern: re.Pattern, s: str) -> int | None:
    """'-1.234,5' (German) or '-1234.5' (canonical) as an integer number of hundredths."""
    m = pattern.fullmatch(s)
    if not m:
        return None
    sign, whole, frac = m.groups()
    v = int(whole.replace(".", "")) * 100 + (int(frac.ljust(2, "0")) if frac else 0)
    return -v if sign else v


def _make_money(pattern: re.Pattern, example: str) -> Callable[[str], int]:
    def read(s: str) -> int:
        s = s.strip()
        v = _hundredths(pattern, s)
        if v is None:
            raise _Bad(
                f"kein Eurobetrag mit höchstens zwei Nachkommastellen (wie {example}): {s!r}"
            )
        if abs(v) > INT64_MAX:
            raise _Bad(f"Betrag zu groß: {s!r}")
        return v

    return read


def _make_fte(pattern: re.Pattern, example: str) -> Callable[[str], float]:
    def read(s: str) -> float:
        s = s.strip()
        v = _hundredths(pattern, s)
        if v is None or v < 0 or v > 9999:
            raise _Bad(
                f"kein Stellenanteil von 0 bis 99,99 mit höchstens zwei Nachkommastellen "
                f"(wie {example}): {s!r}"
            )
        return v / 100  # numeric(4,2): exact in hundredths, stored via float as schema says

    return read


def _ags(s: str) -> str:
    if not _AGS.fullmatch(s):
        raise _Bad(f"kein achtstelliger Gemeindeschlüssel: {s!r}")
    return s


def _municipality_key(s: str) -> str:
    if not (_AGS.fullmatch(s) or _STADTTEIL_KEY.fullmatch(s)):
        raise _Bad(
            "weder ein achtstelliger Gemeindeschlüssel noch ein Stadtteilschlüssel (AGS der "
            f"Stadt, „-“, 1 bis 12 Zeichen A–Z oder 0–9, wie 05315000-101): {s!r}"
        )
    return s


def municipality_problem(ags: str, kind: str | None,
                         territory: tuple[str, str] | None) -> tuple[str, str] | None:
    """(column, German problem) when a municipality's key and kind do not fit each other or
    the territory (ags, kind) of the state after the import; None when they fit."""
    stadtteil = _STADTTEIL_KEY.fullmatch(ags) is not None
    shown_kind = kind or "leer (GEMEINDE)"
    if territory is not None and territory[1] == "KREISFREIE_STADT":
        city = territory[0]
        if kind != "STADTTEIL":
            return ("kind", f"in der kreisfreien Stadt {city} (territory.csv) ist jede "
                            f"municipality ein STADTTEIL, nicht {shown_kind}")
        if not ags.startswith(city + "-"):
            return ("ags", f"ein Stadtteilschlüssel der Stadt {city} (territory.csv) beginnt "
                           f"mit {city}-: {ags!r}")
        return None
    if territory is not None:
        if kind == "STADTTEIL":
            return ("kind", f"im Kreis {territory[0]} (territory.csv) ist jede municipality "
                            "eine GEMEINDE, nicht STADTTEIL")
        if stadtteil:
            return ("ags", f"im Kreis {territory[0]} (territory.csv) ist der Schlüssel ein "
                           f"achtstelliger Gemeindeschlüssel: {ags!r}")
        return None
    if kind == "STADTTEIL" and not stadtteil:
        return ("ags", "ein STADTTEIL hat einen Stadtteilschlüssel (AGS der Stadt, „-“, "
                       f"lokaler Schlüssel, wie 05315000-101): {ags!r}")
    if kind != "STADTTEIL" and stadtteil:
        return ("kind", f"ein Stadtteilschlüssel gehört zu kind STADTTEIL, nicht {shown_kind}")
    return None


def _iso3(s: str) -> str:
    if not _ISO3.fullmatch(s):
        raise _Bad(f"kein Ländercode aus drei Großbuchstaben (ISO 3166-1 alpha-3): {s!r}")
    return s


def _make_code(allowed: tuple[str, ...]) -> Callable[[str], str]:
    valid = frozenset(allowed)
    listing = ", ".join(allowed)

    def read(s: str) -> str:
        if s not in valid:
            stripped = s.strip()
            if stripped in valid:
                return stripped
            raise _Bad(f"unbekannter Code {s!r} (erlaubt: {listing})")
        return s

    return read


def _converter(spec: ColumnSpec, german: bool) -> Callable[[str], object]:
    if spec.kind == ID:
        return _ident
    if spec.kind == TEXT:
        return _text
    if spec.kind == DATE:
        return _cached(_de_date if german else _iso_date)
    if spec.kind == INT:
        hi = spec.hi if spec.hi is not None else date.today().year
        return _make_int(_DE_INT if german else _EN_INT, spec.lo, hi)
    if spec.kind == MONEY:
        return _make_money(_DE_DEC, "1.234,56") if german else _make_money(_EN_DEC, "1234.56")
    if spec.kind == FTE:
        return _make_fte(_DE_DEC, "0,5") if german else _make_fte(_EN_DEC, "0.5")
    if spec.kind == AGS:
        return _ags
    if spec.kind == KEY:
        return _municipality_key
    if spec.kind == ISO3:
        return _iso3
    if spec.kind == CODE:
        return _make_code(spec.allowed)
    raise AssertionError(spec.kind)


# --- problems ----------------------------------------------------------------------------


class _Problems:
    """Problems sorted the way they are shown: by file in load order, then by line."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, str]] = []

    def add(self, order: int, file: str, line: int | None, column: str | None, text: str):
        if line is None:
            msg = f"{file}: {text}"
        else:
            msg = f"{file}:{line}: {column}: {text}"
        self._items.append((order, line or 0, len(self._items), msg))

    def __bool__(self) -> bool:
        return bool(self._items)

    def messages(self) -> list[str]:
        return [m for *_, m in sorted(self._items)]


# --- writing batches ---------------------------------------------------------------------


class _Writer:
    """Inserts rows (tuples in schema column order) in batches on SQLite or PostgreSQL."""

    def __init__(self, conn: Connection, table: Table):
        self.conn = conn
        self.table = table
        self.rows: list[tuple] = []
        self.raw = conn.connection.dbapi_connection
        self.postgres = conn.dialect.name == "postgresql"
        cols = [c.name for c in table.columns]
        if self.postgres:
            from psycopg import sql

            self.statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, cols))
            )
        else:
            # The Core INSERT compiled once; rows are passed as bound parameters.
            self.statement = str(insert(table).compile(dialect=conn.dialect))
            self.date_positions = [
                i for i, c in enumerate(table.columns) if c.type.python_type is date
            ]

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.postgres:
            with self.raw.cursor() as cur, cur.copy(self.statement) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            rows = self.rows
            if self.date_positions:
                # SQLAlchemy stores SQLite dates as ISO text; do the same without its overhead.
                positions = self.date_positions
                rows = []
                for row in self.rows:
                    row = list(row)
                    for i in positions:
                        if row[i] is not None:
                            row[i] = row[i].isoformat()
                    rows.append(row)
            cur = self.raw.cursor()
            try:
                cur.executemany(self.statement, rows)
            finally:
                cur.close()
        self.rows = []

    def discard(self) -> None:
        self.rows = []


# --- import ------------------------------------------------------------------------------


def _sha256_and_encoding(path: Path) -> tuple[str, str]:
    """The file's SHA-256 and encoding: UTF-8 (BOM stripped) if it decodes, else Windows-1252."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return digest.hexdigest(), ("utf-8-sig" if utf8 else "cp1252")


class _Importer:
    def __init__(
        self, conn: Connection, present: dict[str, Path], allow_shrink: bool, problems: _Problems
    ):
        self.conn = conn
        self.present = present
        self.allow_shrink = allow_shrink
        self.problems = problems
        self.counts: dict[str, int] = {}
        self.files: dict[str, dict] = {}
        # Keys of every table that other tables point at, as they will be after the import;
        # None for an imported file that could not be read (its references are not checked,
        # rather than reporting every row that points at it).
        self.keys: dict[str, set | dict | None] = {}
        self.order = {t.name: i + 1 for i, t in enumerate(schema.DATA_TABLES)}
        # The territory row of the imported territory.csv as (ags, kind, line), None for a file
        # without rows; _UNREAD while territory.csv is not (or could not be) read.
        self.territory_row: tuple[str, str, int] | None | object = _UNREAD

    def territory(self) -> tuple[str, str] | None | object:
        """(ags, kind) of the territory after the import, None without one, _UNREAD when the
        imported territory.csv could not be read (then nothing is checked against it)."""
        if "territory" in self.present:
            row = self.territory_row
            if row is None or row is _UNREAD or row[0] is None:
                return _UNREAD if row is not None else None
            return row[:2]
        t = schema.territory
        found = self.conn.execute(select(t.c.ags, t.c.kind).order_by(t.c.ags).limit(1)).first()
        return (found.ags, found.kind) if found is not None else None

    # The set of keys of `table` after the import: the imported file's, else the database's.
    def parent_keys(self, table: Table):
        if table.name not in self.keys:
            (pk,) = table.primary_key.columns
            # Only the key column is read; the table is not part of the import.
            self.keys[table.name] = set(self.conn.execute(select(pk)).scalars())
        return self.keys[table.name]

    def run(self) -> None:
        tables = [t for t in schema.DATA_TABLES if t.name in self.present]
        before = {
            t.name: self.conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in tables
        }
        truncated = self.truncatable(tables)
        if truncated:
            # PostgreSQL checks every deleted parent row against its children at commit, which
            # doubles the time of a full re-import; TRUNCATE skips that. It may only name
            # tables whose every referencing table is named too, and it locks the tables
            # until commit (dashboard reads wait for the import instead of seeing old rows).
            quote = self.conn.dialect.identifier_preparer.quote
            self.conn.execute(text("TRUNCATE TABLE " + ", ".join(quote(t.name) for t in truncated)))
        for t in reversed(tables):
            if t not in truncated:
                self.conn.execute(delete(t))
        for t in tables:
            self.load(t, self.present[t.name], before[t.name])
            if t.name in _REFERENCED and t.name not in self.keys:
                self.keys[t.name] = None
        self.check_references_into(tables)
        if "territory" in self.present and "municipality" not in self.present:
            self.check_kept_municipalities()

    def check_kept_municipalities(self) -> None:
        """A new territory row must fit the municipalities that stay (municipality.csv is not
        part of the import): reported at the territory's line."""
        row = self.territory_row
        if row is None or row is _UNREAD or row[0] is None:
            return
        ags, kind, line = row
        m = schema.municipality
        misfits = []
        for r in self.conn.execute(select(m.c.ags, m.c.kind).order_by(m.c.ags)):
            if municipality_problem(r.ags, r.kind, (ags, kind)) is not None:
                misfits.append(r.ags)
        if misfits:
            shown = ", ".join(repr(v) for v in misfits[:MAX_EXAMPLES])
            more = ", …" if len(misfits) > MAX_EXAMPLES else ""
            wanted = ("Stadtteile mit Schlüsseln " + ags + "-…" if kind == "KREISFREIE_STADT"
                      else "Gemeinden mit achtstelligem Schlüssel")
            self.problems.add(
                self.order["territory"], "territory.csv", line, "kind",
                f"{kind} verlangt {wanted}; die Tabelle municipality (nicht im Import) hat "
                f"{len(misfits)} andere: {shown}{more}",
            )

    def truncatable(self, tables: list[Table]) -> list[Table]:
        """On PostgreSQL, the imported tables that no table outside that set points at."""
        if self.conn.dialect.name != "postgresql":
            return []
        chosen = {t.name for t in tables}
        changed = True
        while changed:
            changed = False
            for child in schema.DATA_TABLES:
                for fk in (fk for c in child.columns for fk in c.foreign_keys):
                    parent = fk.column.table.name
                    if parent in chosen and child.name not in chosen:
                        chosen.discard(parent)
                        changed = True
        return [t for t in tables if t.name in chosen]

    def load(self, table: Table, path: Path, before: int) -> None:
        file = path.name
        order = self.order[table.name]
        problems = self.problems
        try:
            sha, encoding = _sha256_and_encoding(path)
        except OSError as exc:
            problems.add(order, file, None, None, f"nicht lesbar: {exc.strerror or exc}")
            return
        self.files[file] = {"sha256": sha, "rows": 0}
        try:
            with path.open("r", encoding=encoding, newline="") as fh:
                n = self.read_rows(table, file, order, fh)
        except UnicodeDecodeError:
            problems.add(order, file, None, None, "Zeichenkodierung weder UTF-8 noch Windows-1252")
            return
        if n is None:
            return
        self.files[file]["rows"] = n
        self.counts[table.name] = n
        if not self.allow_shrink and (before - n) * 2 > before:
            problems.add(
                order, file, None, None,
                f"würde {before - n} von {before} Zeilen der Tabelle {table.name} entfernen "
                "(mehr als die Hälfte); abgelehnt, damit ein abgeschnittener Export das "
                "Dashboard nicht leert (mit --allow-shrink erzwingen)",
            )

    def read_rows(self, table: Table, file: str, order: int, fh) -> int | None:
        problems = self.problems
        header_line = fh.readline()
        if not header_line:
            problems.add(order, file, None, None, "Datei ist leer (Kopfzeile fehlt)")
            return None
        if not header_line.strip():
            problems.add(order, file, 1, "(Kopfzeile)", "Zeile 1 ist leer, erwartet: Spaltennamen")
            return None
        german = ";" in header_line
        reader = csv.reader(itertools.chain([header_line], fh), delimiter=";" if german else ",")
        header = [h.strip() for h in next(reader)]
        specs = SPECS[table.name]
        by_name = {s.name: (i, s) for i, s in enumerate(specs)}
        header_ok = True
        seen_names: set[str] = set()
        plan = []  # (csv index, db position, name, converter, required)
        for idx, name in enumerate(header):
            if name in seen_names:
                problems.add(order, file, 1, name or "(leer)", "Spalte kommt doppelt vor")
                header_ok = False
                continue
            seen_names.add(name)
            if name not in by_name:
                expected = ", ".join(s.name for s in specs)
                problems.add(
                    order, file, 1, name or "(leer)", f"unbekannte Spalte (erwartet: {expected})"
                )
                header_ok = False
                continue
            pos, spec = by_name[name]
            plan.append((idx, pos, name, _converter(spec, german), spec.required))
        for spec in specs:
            if spec.required and spec.name not in seen_names:
                problems.add(order, file, 1, spec.name, "Pflichtspalte fehlt")
                header_ok = False
        if not header_ok:
            # Without a usable header no field can be read correctly: report the header only.
            return None

        ncols_db = len(specs)
        ncols_csv = len(header)
        positions = {s.db: i for i, s in enumerate(specs)}
        pk_positions = [positions[c.name] for c in table.primary_key.columns]
        pk_names = [_csv_name(c.name) for c in table.primary_key.columns]
        seen_keys: dict = {}
        # Always a tuple, also for a single-column key.
        pk_getter = (lambda v, p=pk_positions[0]: (v[p],)) if len(pk_positions) == 1 else (
            operator.itemgetter(*pk_positions) if pk_positions else None
        )
        problem_items = problems._items  # noqa: SLF001 - checked once per row, kept cheap
        refs = []  # (db position, name, parent key set, parent table name)
        for col in table.columns:
            for fk in col.foreign_keys:
                target = fk.column.table
                parent = self.parent_keys(target)
                if parent is not None:
                    refs.append((positions[col.name], col.name, parent, target.name))
        date_order = [
            (positions[a], positions[b], a, b) for a, b in _DATE_ORDER.get(table.name, ())
        ]
        closed_pos = positions["closed_on"] if table.name == "case_file" else None
        reason_pos = positions.get("close_reason")
        arrival_pos = positions["arrival_date"] if table.name == "person" else None
        born_pos = positions.get("birth_year")
        episodes: list[tuple] | None = [] if table.name in _EPISODES else None
        territory_file = table.name == "territory"
        if territory_file:
            self.territory_row = None
        muni_territory = self.territory() if table.name == "municipality" else _UNREAD
        muni_ags_pos, muni_kind_pos = positions.get("ags"), positions.get("kind")
        writer = _Writer(self.conn, table)

        n = 0
        last_line = 1
        try:
            for rec in reader:
                line = last_line + 1
                last_line = reader.line_num
                if not any(rec):
                    continue
                n += 1
                row_bad = False
                if len(rec) != ncols_csv:
                    row_bad = True
                    if len(rec) < ncols_csv:
                        problems.add(
                            order, file, line, header[len(rec)],
                            f"Feld fehlt: die Zeile hat {len(rec)} statt {ncols_csv} Felder",
                        )
                    else:
                        problems.add(
                            order, file, line, header[-1],
                            f"zu viele Felder: die Zeile hat {len(rec)} statt {ncols_csv} "
                            "(Trennzeichen in einem Wert ohne Anführungszeichen?)",
                        )
                    continue
                vals: list = [None] * ncols_db
                bad_positions: list | None = None  # fields given but unreadable
                for idx, pos, name, conv, required in plan:
                    s = rec[idx]
                    if s == "" or s.isspace():
                        if required:
                            problems.add(order, file, line, name, "Pflichtfeld ist leer")
                            row_bad = True
                        continue
                    try:
                        vals[pos] = conv(s)
                    except _Bad as exc:
                        problems.add(order, file, line, name, str(exc))
                        row_bad = True
                        if bad_positions is None:
                            bad_positions = []
                        bad_positions.append(pos)

                # Duplicate keys (primary and natural keys are the same in this schema).
                if pk_positions:
                    key = pk_getter(vals)
                    if None not in key:
                        k = key[0] if len(key) == 1 else key
                        other = seen_keys.get(k)
                        if other is not None:
                            shown = ", ".join(
                                f"{nm}={_show(v)}" for nm, v in zip(pk_names, key, strict=True)
                            )
                            problems.add(
                                order, file, line, pk_names[0],
                                f"doppelter Schlüssel ({shown}), schon in Zeile {other}",
                            )
                            row_bad = True
                        else:
                            seen_keys[k] = line

                for pos, name, parent, target in refs:
                    v = vals[pos]
                    if v is not None and v not in parent:
                        problems.add(
                            order, file, line, name, f"{v!r} gibt es in der Tabelle {target} nicht"
                        )
                        row_bad = True

                if territory_file:
                    if self.territory_row is None:
                        # A bad first row is remembered without values: nothing is checked
                        # against it, and a second row is still one too many.
                        self.territory_row = (
                            (None, None, line) if row_bad else (vals[0], vals[2], line)
                        )
                    else:
                        problems.add(
                            order, file, line, "ags",
                            "territory hat höchstens eine Zeile, den Kreis oder die Stadt "
                            f"selbst (schon Zeile {self.territory_row[2]})",
                        )
                        row_bad = True
                if (
                    muni_territory is not _UNREAD
                    and vals[muni_ags_pos] is not None
                    and (bad_positions is None or muni_kind_pos not in bad_positions)
                ):
                    misfit = municipality_problem(vals[muni_ags_pos], vals[muni_kind_pos],
                                                  muni_territory)
                    if misfit is not None:
                        problems.add(order, file, line, *misfit)
                        row_bad = True

                interval_ok = True
                for later, earlier, later_name, earlier_name in date_order:
                    a, b = vals[later], vals[earlier]
                    if a is not None and b is not None and a < b:
                        problems.add(
                            order, file, line, later_name,
                            f"{later_name} {a.isoformat()} liegt vor "
                            f"{earlier_name} {b.isoformat()}",
                        )
                        row_bad = True
                        interval_ok = False

                if (
                    closed_pos is not None
                    and vals[reason_pos] is not None
                    and vals[closed_pos] is None
                    and (bad_positions is None or closed_pos not in bad_positions)
                ):
                    problems.add(
                        order, file, line, "close_reason",
                        "Abschlussgrund ohne Abschlussdatum (closed_on ist leer)",
                    )
                    row_bad = True
                if arrival_pos is not None:
                    arrival, born = vals[arrival_pos], vals[born_pos]
                    if arrival is not None and born is not None and arrival.year < born:
                        problems.add(
                            order, file, line, "arrival_date",
                            f"Einreise {arrival.isoformat()} vor dem Geburtsjahr {born}",
                        )
                        row_bad = True

                if episodes is not None and interval_ok:
                    pid, vfrom, vto = vals[0], vals[2], vals[3]
                    to_bad = bad_positions is not None and 3 in bad_positions
                    if pid is not None and vfrom is not None and not to_bad:
                        episodes.append((pid, vfrom, line, vto))

                if not row_bad and not problem_items:
                    writer.add(tuple(vals))
        except csv.Error as exc:
            problems.add(
                order, file, None, None,
                f"ab Zeile {last_line + 1} nicht lesbar ({exc}); "
                "der Rest der Datei ist nicht geprüft",
            )
        if problems:
            writer.discard()
        else:
            writer.flush()

        if episodes is not None:
            self.check_episodes(file, order, episodes)
        if table.name in _REFERENCED:
            self.keys[table.name] = seen_keys
        return n

    def check_episodes(self, file: str, order: int, episodes: list[tuple]) -> None:
        """Per person, episodes ordered by start must not overlap; only the latest may be open."""
        episodes.sort()
        prev = None  # the episode reaching furthest so far for the current person
        for ep in episodes:
            pid, vfrom, line, vto = ep
            if prev is None or prev[0] != pid:
                prev = ep
                continue
            _, pfrom, pline, pto = prev
            if vfrom == pfrom:
                pass  # same key: already reported as a duplicate
            elif pto is None or pto >= vfrom:
                later, other = (line, pline) if line > pline else (pline, line)
                if pto is None and vto is None:
                    problems_text = (
                        f"zwei offene Episoden für Person {pid!r} (auch Zeile {other}); "
                        "nur die letzte darf offen sein"
                    )
                    column = "valid_to"
                elif pto is None:
                    problems_text = (
                        f"überschneidet sich mit Zeile {other} (Person {pid!r}): die frühere "
                        "Episode ist offen, nur die letzte darf offen sein"
                    )
                    column = "valid_from"
                else:
                    problems_text = f"überschneidet sich mit Zeile {other} (Person {pid!r})"
                    column = "valid_from"
                self.problems.add(order, file, later, column, problems_text)
            if pto is not None and (vto is None or vto > pto):
                prev = ep

    def check_references_into(self, tables: list[Table]) -> None:
        """Rows of tables outside the import must still find the keys of the replaced tables."""
        imported = {t.name for t in tables}
        for child in schema.DATA_TABLES:
            if child.name in imported:
                continue
            for col in child.columns:
                for fk in col.foreign_keys:
                    parent = fk.column.table
                    keys = self.keys.get(parent.name)
                    if parent.name not in imported or keys is None:
                        continue
                    values = self.conn.execute(
                        select(col).where(col.is_not(None)).distinct()
                    ).scalars()
                    missing = sorted(v for v in values if v not in keys)
                    if missing:
                        shown = ", ".join(repr(v) for v in missing[:MAX_EXAMPLES])
                        more = ", …" if len(missing) > MAX_EXAMPLES else ""
                        self.problems.add(
                            self.order[parent.name], f"{parent.name}.csv", None, None,
                            f"die Tabelle {child.name} (nicht im Import) verweist in Spalte "
                            f"{col.name} auf Schlüssel, die hier fehlen: {shown}{more} "
                            f"({len(missing)} insgesamt)",
                        )


def _show(v) -> str:
    return v.isoformat() if isinstance(v, date) else repr(v) if isinstance(v, str) else str(v)


def import_folder(engine: Engine, folder: Path, allow_shrink: bool = False,
                  exported_on: date | None = None) -> ImportResult:
    """Replace the tables whose `<table>.csv` is in `folder`, all or nothing; record the run
    (with `exported_on`, the day the source system's export was taken, when given)."""
    started = runs.now()
    folder = Path(folder)
    source = str(folder.resolve())
    csv.field_size_limit(16 * 1024 * 1024)
    problems = _Problems()
    present: dict[str, Path] = {}
    unknown_files: dict[str, dict] = {}
    if not folder.is_dir():
        problems.add(0, str(folder), None, None, "Ordner nicht gefunden")
    else:
        names = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(".csv"))
        expected = ", ".join(f"{t.name}.csv" for t in schema.DATA_TABLES)
        for p in names:
            table_name = p.name[: -len(".csv")]
            if table_name in schema.TABLES_BY_NAME:
                present[table_name] = p
            else:
                try:
                    sha, _ = _sha256_and_encoding(p)
                except OSError:
                    sha = None
                unknown_files[p.name] = {"sha256": sha, "rows": None}
                problems.add(
                    0, p.name, None, None,
                    f"unbekannte Datei: keine Tabelle dieses Namens (erwartet: {expected})",
                )
        if not names:
            problems.add(0, str(folder), None, None, "keine CSV-Datei gefunden")

    counts: dict[str, int] = {}
    files: dict[str, dict] = dict(unknown_files)
    if present:
        with engine.connect() as conn:
            sqlite_cache = None
            if conn.dialect.name == "sqlite":
                # Millions of rows go into indexes: with SQLite's default 2 MB page cache every
                # insert would read its index pages back from the file (as in queries/demo.py).
                sqlite_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
                conn.commit()  # end the autobegun transaction; the import begins its own
            try:
                result = _import_in_transaction(conn, present, allow_shrink, problems, started,
                                                source, files, exported_on)
            finally:
                if sqlite_cache is not None:
                    conn.rollback()  # nothing open any more; PRAGMA needs no transaction
                    conn.exec_driver_sql(f"PRAGMA cache_size = {int(sqlite_cache)}")
                    conn.commit()
            if result.ok:
                return result
            counts = result.counts

    messages = problems.messages()
    with engine.begin() as conn:
        run_id = runs.record_run(
            conn, started_at=started, source=source, outcome="REFUSED", files=files,
            message=messages[0], exported_on=exported_on,
        )
    return ImportResult(False, messages, counts, run_id)


def _import_in_transaction(
    conn: Connection, present: dict[str, Path], allow_shrink: bool, problems: _Problems,
    started, source: str, files: dict, exported_on: date | None = None,
) -> ImportResult:
    """Load the present files in one transaction and record the OK run; committed only when
    there was no problem (then ok is True), else rolled back (ok False, problems filled)."""
    trans = conn.begin()
    importer = _Importer(conn, present, allow_shrink, problems)
    try:
        importer.run()
    except SQLAlchemyError as exc:
        problems.add(0, source, None, None, f"Datenbankfehler: {_first_line(exc)}")
    files.update(importer.files)
    if not problems:
        try:
            run_id = runs.record_run(
                conn, started_at=started, source=source, outcome="OK", files=files,
                exported_on=exported_on,
            )
            trans.commit()
            return ImportResult(True, [], importer.counts, run_id)
        except SQLAlchemyError as exc:
            problems.add(0, source, None, None, f"Datenbankfehler: {_first_line(exc)}")
    if trans.is_active:
        trans.rollback()
    return ImportResult(False, [], importer.counts, 0)


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


# --- export ------------------------------------------------------------------------------


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _formatter(table: Table, column) -> Callable[[object], str]:
    kind = _KINDS[table.name][column.name]
    kind = kind[0] if isinstance(kind, tuple) else kind
    if kind == DATE:
        return lambda v: v.isoformat()
    if kind == MONEY:
        return _euros
    if kind == FTE:
        # numeric(4,2) comes back as float: round to the two stored decimals.
        return lambda v: f"{round(float(v) * 100) / 100:.2f}"
    return str


def _export_rows(conn: Connection, table: Table) -> Iterable[tuple]:
    if table.primary_key.columns:
        order_cols = list(table.primary_key.columns)
    else:
        order_cols = list(table.columns)
    # Byte order of the text, the same on SQLite (BINARY) and PostgreSQL ("C"), with NULLs
    # first on both, so two exports of the same data are identical files.
    postgres = conn.dialect.name == "postgresql"
    order = []
    for c in order_cols:
        expr = c.collate("C") if postgres and c.type.python_type is str else c
        order.append(expr.asc().nulls_first() if c.nullable else expr.asc())
    result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
        select(*table.columns).order_by(*order)
    )
    yield from result


def export_folder(engine: Engine, folder: Path) -> dict[str, int]:
    """Write every data table as canonical `<table>.csv` into `folder`; rows per table."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for all files, so the export is consistent even during an import.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for table in schema.DATA_TABLES:
                formats = [_formatter(table, c) for c in table.columns]
                n = 0
                target = folder / f"{table.name}.csv"
                partial = folder / f".{table.name}.csv.part"
                # CRLF as in RFC 4180: the csv module then quotes text containing a lone CR.
                with partial.open("w", encoding="utf-8", newline="") as fh:
                    writer = csv.writer(fh, lineterminator="\r\n")
                    writer.writerow([_csv_name(c.name) for c in table.columns])
                    for row in _export_rows(conn, table):
                        writer.writerow(
                            ["" if v is None else f(v) for f, v in zip(formats, row, strict=True)]
                        )
                        n += 1
                partial.replace(target)
                counts[table.name] = n
    return counts
