"""Downloads of the table behind every chart, as CSV for German Excel and as XLSX, with the page's
filters, the page's numbers and the page's access rules.

Routes (under the app's URL prefix; the query string is the page's, e.g. ?von=…&bis=…&bezirk=…):
    /download/<page>/<section>.csv    one table as CSV
    /download/<page>/<section>.xlsx   one table as an Excel workbook
    /download/<page>.xlsx             every table of the page, one sheet each ("Alle Tabellen")
    /download/verwendungsnachweis/<year>.xlsx   the draft Verwendungsnachweis of a finished
                                      budget year (dashboard/proof.py), same rules and errors
<page> is the page's path without slashes ("fallzahlen", "budget", …; the Überblick is
"ueberblick"), <section> the id of its chart section ("caseload-municipalities").

How a download gets exactly the page's numbers: the route reads the View with urlstate.read
(unknown or broken parameters fall back to the defaults, as on the page) and asks the app's
registry of sections (dashboard/sections.py) for the section's `table(section, view)`: the same
rows and `Column`s the page's grid is drawn from, from the same queries/ call through
dashboard/data.py (cache, read-only engine). Permissions deny by default: a page the role may not
open, or a section whose permission it lacks, is refused with 403 before anything is read; a
section no page registers, or one its page does not show in this view, with 404 (no data: 404
too); a database that cannot be reached with 503; German plain text every time, never a traceback.

CSV (for German Excel): UTF-8 with BOM, ";" between fields, CRLF line ends, the German column
headers, decimal comma without thousands separators. Counts are whole numbers, a suppressed count
is the text "•" (never its number); other numbers carry the decimals the page shows; money is
written in euros with two decimals and percentages in percent points with the page's decimals, each
as a plain number that Excel reads as a number, the unit moving into the header ("Bewilligt (€)",
"Abfluss (%)"); months are written as on the page ("Januar 2025"); a missing value (e.g. a ratio
from a suppressed count) is "–". Text that Excel would take for a formula (=, +, -, @) gets a
leading apostrophe. The CSV holds only the table; the filters are in its file name.

XLSX (openpyxl): first rows name the Kreis, the page, the table, the period, the Bezirk, the
Datenstand and the retrieval time (and notes about unusable URL parameters), then the header row,
frozen and with a filter. Numbers are numbers, euros carry a euro number format, percentages are
ratios with a percent format, months and dates are dates; suppressed counts are the text "•".

File names: kim-<page>-<section>-<von>-<bis>.csv / .xlsx (ASCII); all tables:
kim-<page>-alle-tabellen-<von>-<bis>.xlsx.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import dash
from dash import html
from flask import Response, request
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from queries import meta
from queries.territory import Territory

from . import errors, sections, security, urlstate
from . import format as fmt
from . import layout as frame
from .components.tables import TEXT_SUFFIX, Column, suppress_count
from .data import Data

log = logging.getLogger(__name__)

OVERVIEW_SLUG = sections.OVERVIEW_SLUG
# A page's query string is short (dates, a district id, a few flags); a longer one is refused.
MAX_QUERY_LENGTH = 2048

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NOT_FOUND_PAGE = "Diese Download-Adresse gehört zu keiner Seite des KIM-Cockpits."
NOT_FOUND_SECTION = ("Eine Tabelle „{section}“ gibt es auf der Seite „{page}“ in dieser Ansicht "
                     "nicht.")
NOT_FOUND_FORMAT = "Tabellen gibt es als .csv oder .xlsx, nicht als „{ext}“."
NO_DATA = "Für diese Auswahl liegen keine Daten vor; es gibt nichts herunterzuladen."
NO_TABLES = "Die Seite „{page}“ hat in dieser Ansicht keine Tabellen zum Herunterladen."
TOO_LONG = "Die Adresse ist zu lang. Bitte laden Sie die Tabelle über den Link auf der Seite."
FAILED = (
    "Diese Tabelle konnte gerade nicht berechnet werden. Bitte versuchen Sie es später noch "
    "einmal; bleibt der Fehler, wenden Sie sich an die Administration des KIM-Cockpits."
)
UNAVAILABLE_PREFIX = "Keine Verbindung zur Datenbank. "

# XLSX number formats (written in Excel's neutral notation; Excel shows them in its locale).
XLSX_FORMATS = {
    "count": "#,##0",
    "euro": '#,##0.00 "€"',
    "month": "mmmm yyyy",
    "date": "dd.mm.yyyy",
}
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def page_slug(page) -> str:
    return sections.page_slug(page.PATH)


def _permission(page) -> str:
    # the same rule as app_factory.page_permission (not imported: app_factory imports us)
    return getattr(page, "PERMISSION", "aggregates")


# --- installing: the routes, and the page's "all tables" link ------------------------------------


def install(app: dash.Dash, data: Data, pages: Sequence) -> sections.Registry:
    """Add the download routes to the app's server; return the app's registry of sections."""
    by_slug = {page_slug(p): p for p in pages}
    registry = sections.Registry(pages)
    prefix = app.config.routes_pathname_prefix or "/"
    server = app.server

    def table(slug: str, name: str):
        return _respond(lambda: _table_download(app, data, registry, by_slug, slug, name))

    def whole_page(name: str):
        return _respond(lambda: _page_download(app, data, registry, by_slug, name))

    server.add_url_rule(f"{prefix}download/<slug>/<name>", "kim_download_table", table,
                        methods=["GET"])
    from . import proof  # the draft Verwendungsnachweis of a finished year (dashboard/proof.py)

    def verwendungsnachweis(name: str):
        return _respond(lambda: proof.download(data, by_slug.get("budget"), name))

    server.add_url_rule(f"{prefix}download/verwendungsnachweis/<name>",
                        "kim_download_verwendungsnachweis", verwendungsnachweis, methods=["GET"])
    server.add_url_rule(f"{prefix}download/<name>", "kim_download_page", whole_page,
                        methods=["GET"])
    return registry


def with_page_link(content, view):
    """The page `content` and, when it drew two tables or more, the link to all of them as one
    workbook (the request's sections.Outcome says what was drawn)."""
    drawn = sections.outcome().tables
    if content is None or sum(len(ids) for ids in drawn.values()) < 2:
        return content
    href = view.relative(f"/download/{sections.page_slug(view.pathname)}.xlsx")
    return html.Div([content, html.Div(
        html.A(f"Alle Tabellen dieser Seite als Excel-Datei ({len(drawn)} Tabellenblätter)",
               href=href + urlstate.search_for(view), download="", id="kim-download-all",
               className="kim-download-link"),
        className=f"{sections.DOWNLOADS_CLASS} kim-downloads-page",
    )])


# --- the routes ----------------------------------------------------------------------------------


class Refusal(Exception):
    """A download that cannot be served: the HTTP status and the German text for the reader."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def _respond(produce) -> Response:
    try:
        return produce()
    except Refusal as refusal:
        return errors.plain(refusal.status, refusal.text)
    except Exception as exc:  # noqa: BLE001 - the one error policy (dashboard/errors.py)
        return errors.as_response(exc, f"download {request.path}",
                                  unavailable_prefix=UNAVAILABLE_PREFIX, unexpected=FAILED)


@dataclass(frozen=True)
class Drawing:
    """The view of a download and the header facts of its sheets."""

    page: object
    slug: str
    state: urlstate.View
    kreis: str
    district_name: str | None
    as_of: date | None
    budget_year: int | None
    # The Gemeinde level (a page with MUNICIPALITY_LEVEL and `gemeinde=` in the URL): "Name (AGS)".
    municipality: str | None = None
    # The Kreis or Stadt whose words the header rows use (queries/territory.py).
    territory: Territory | None = None


def _view(app: dash.Dash, data: Data, by_slug: dict, slug: str) -> Drawing:
    page = by_slug.get(slug)
    if page is None:
        raise Refusal(404, NOT_FOUND_PAGE)
    if not security.can(_permission(page)):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    query = request.query_string.decode("utf-8", errors="replace")
    if len(query) > MAX_QUERY_LENGTH:
        raise Refusal(400, TOO_LONG)
    districts = data.districts()
    territory = data.territory()
    kreis = territory.name
    as_of = data.datenstand()
    view = urlstate.read(data, page.PATH, "?" + query, relative=app.get_relative_path,
                         paths={p.PATH for p in by_slug.values()})
    names = {d["id"]: d["name"] for d in districts}
    year = view.budget_year if getattr(page, "BUDGET_YEAR", False) else None
    municipality = None
    if view.municipality and getattr(page, "MUNICIPALITY_LEVEL", False):
        gemeinden = {m["ags"]: m["name"] for m in data.call(meta.municipalities)}
        municipality = f"{gemeinden.get(view.municipality, '?')} ({view.municipality})"
    return Drawing(page=page, slug=slug, state=view, kreis=urlstate.kreis_text(kreis),
                   district_name=names.get(view.filter.district, view.filter.district),
                   as_of=as_of, budget_year=year, municipality=municipality,
                   territory=territory)


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, ext.lower()


def _table_download(app, data, registry, by_slug, slug: str, name: str) -> Response:
    section_id, ext = _split(name)
    page = by_slug.get(slug)
    if page is None:
        raise Refusal(404, NOT_FOUND_PAGE)
    if ext not in ("csv", "xlsx"):
        raise Refusal(404, NOT_FOUND_FORMAT.format(ext=ext[:20]))
    if not security.can(_permission(page)):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    try:
        found = registry.get(page.PATH, section_id)
    except sections.UnknownSection:
        raise Refusal(404, NOT_FOUND_SECTION.format(section=section_id[:40],
                                                    page=page.TITLE)) from None
    # deny by default: the section's permission before anything of the view is read
    if not security.can(found.permission):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    drawing = _view(app, data, by_slug, slug)
    try:
        table = sections.table(found, drawing.state)
    except sections.NotInView:
        raise Refusal(404, NOT_FOUND_SECTION.format(section=section_id[:40],
                                                    page=page.TITLE)) from None
    if table is None:
        raise Refusal(404, NO_DATA)
    f = drawing.state.filter
    filename = file_name(slug, section_id, f.period_from, f.period_to, ext,
                         _level(drawing))
    if ext == "csv":
        return _file(csv_bytes(table, data.min_cell), CSV_MIMETYPE, filename)
    book = Workbook()
    book.remove(book.active)
    write_sheet(book, table, drawing, data.min_cell)
    return _file(_xlsx_bytes(book), XLSX_MIMETYPE, filename)


def _page_download(app, data, registry, by_slug, name: str) -> Response:
    slug, ext = _split(name)
    if slug not in by_slug:
        raise Refusal(404, NOT_FOUND_PAGE)
    if ext != "xlsx":
        raise Refusal(404, NOT_FOUND_FORMAT.format(ext=ext[:20]))
    drawing = _view(app, data, by_slug, slug)
    tables: dict[str, sections.Table] = {}  # one sheet per table (two charts may share one)
    for found in registry.of_page(drawing.page.PATH):
        if not security.can(found.permission) or not found.applies(drawing.state):
            continue
        table = sections.table(found, drawing.state)
        if table is not None:
            tables.setdefault(table.key, table)
    if not tables:
        raise Refusal(404, NO_TABLES.format(page=drawing.page.TITLE))
    book = Workbook()
    book.remove(book.active)
    for table in tables.values():
        write_sheet(book, table, drawing, data.min_cell)
    f = drawing.state.filter
    filename = file_name(slug, "alle-tabellen", f.period_from, f.period_to, "xlsx",
                         _level(drawing))
    return _file(_xlsx_bytes(book), XLSX_MIMETYPE, filename)


def _level(drawing: Drawing) -> str | None:
    """The AGS for file names at the Gemeinde level (two Gemeinden, two names)."""
    return drawing.state.municipality if drawing.municipality else None


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, content_type=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def file_name(slug: str, section_id: str, first: date, last: date, ext: str,
              municipality: str | None = None) -> str:
    level = f"-{municipality}" if municipality else ""
    stem = f"kim-{slug}-{section_id}{level}-{first.isoformat()}-{last.isoformat()}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + "." + ext


# --- the table behind a grid ---------------------------------------------------------------------


Table = sections.Table


def _decimal_text(value, decimals: int) -> str:
    """-1234.5 -> "-1234,5": without the thousands separator, with "-" for Excel."""
    return fmt.plain_number(value, decimals)


def _guard_formula(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_header(column: Column) -> str:
    if column.kind == "euro" and "€" not in column.header:
        return f"{column.header} (€)"
    if column.kind == "percent" and "%" not in column.header:
        return f"{column.header} (%)"
    return column.header


def csv_cell(column: Column, value, min_cell: int) -> str:
    kind = column.kind
    if kind == "count":
        value = suppress_count(value, min_cell)
        if value is None:
            return fmt.MARK
        return _decimal_text(value, 0)
    if value is None:
        return fmt.MISSING
    if kind == "number":
        return _decimal_text(value, column.decimals)
    if kind == "percent":
        return _decimal_text(value * 100, column.decimals or 1)
    if kind == "euro":
        return _decimal_text(Decimal(value) / 100, 2)
    if kind == "month":
        return fmt.month_long(value)
    if kind == "date":
        return fmt.day(value) if isinstance(value, date) else _guard_formula(str(value))
    return _guard_formula(str(value))


def csv_bytes(table: Table, min_cell: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_guard_formula(csv_header(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(c, row.get(c.field), min_cell) for c in table.columns])
    return out.getvalue().encode("utf-8-sig")


# --- XLSX ----------------------------------------------------------------------------------------


def _set_text(cell, text: str) -> None:
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text starts with


def _number_format(column: Column) -> str:
    if column.kind in XLSX_FORMATS:
        return XLSX_FORMATS[column.kind]
    if column.kind == "number":
        return "#,##0" + ("." + "0" * column.decimals if column.decimals else "")
    if column.kind == "percent":
        decimals = column.decimals or 1
        return "0." + "0" * decimals + "%"
    return "General"


def _write_cell(cell, column: Column, value, min_cell: int) -> None:
    kind = column.kind
    if kind == "count":
        value = suppress_count(value, min_cell)
        if value is None:
            _set_text(cell, fmt.MARK)
            cell.alignment = Alignment(horizontal="right")
            return
    if kind != "text" and value is None:
        _set_text(cell, fmt.MISSING)
        cell.alignment = Alignment(horizontal="right")
        return
    if kind == "count":
        cell.value = value
    elif kind in ("number", "percent"):
        # The figures of queries/ are unrounded; the sheet holds what the page shows.
        places = column.decimals if kind == "number" else (column.decimals or 1) + 2
        cell.value = float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places),
                                                        rounding=ROUND_HALF_UP))
    elif kind == "euro":
        cell.value = Decimal(value) / 100
    elif kind == "month":
        year, month = (int(x) for x in str(value).split("-")[:2])
        cell.value = date(year, month, 1)
    elif kind == "date" and isinstance(value, date):
        cell.value = value
    else:
        _set_text(cell, "" if value is None else str(value))
        return
    cell.number_format = _number_format(column)


def sheet_name(title: str, taken: Sequence[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or "Tabelle"
    if len(base) > SHEET_NAME_MAX:  # cut at a word where one is near
        cut = base[:SHEET_NAME_MAX + 1].rfind(" ")
        base = base[:cut] if cut > SHEET_NAME_MAX // 2 else base[:SHEET_NAME_MAX]
    base = base.strip()
    name, n = base, 2
    lower = {t.lower() for t in taken}
    while name.lower() in lower:
        suffix = f" ({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)].strip() + suffix
        n += 1
    return name


def header_rows(drawing: Drawing, table: Table, min_cell: int) -> list[tuple[str, object]]:
    """(label, value) rows above the table: what it is, for which filter, how current."""
    f = drawing.state.filter
    w = drawing.territory or Territory(name=drawing.kreis)
    rows: list[tuple[str, object]] = [
        (w.area, drawing.kreis),
        ("Seite", drawing.page.TITLE),
        ("Tabelle", table.title),
        ("Zeitraum von", f.period_from),
        ("Zeitraum bis (Stichtag)", f.period_to),
        (w.district_word, drawing.district_name or f"{w.all_districts} ({w.total})"),
    ]
    if drawing.municipality:
        rows.append((w.municipality_word, drawing.municipality))
    if drawing.budget_year is not None:
        rows.append(("Haushaltsjahr", drawing.budget_year))
    wide_note = getattr(drawing.page, "wide_note", None)
    kreiswide = (wide_note(w) if callable(wide_note)
                 else getattr(drawing.page, "KREISWIDE_NOTE", None))
    if kreiswide and f.district is not None:
        rows.append(("Hinweis", kreiswide))
    rows.append(("Datenstand", drawing.as_of if drawing.as_of else "noch kein Import"))
    rows.append(("Abgerufen am", datetime.now().replace(microsecond=0)))
    rows.append(("Geheim gehalten", f"„{fmt.MARK}“: Zahlen unter {min_cell} und Zahlen, aus "
                                    "denen sie sich berechnen ließen"))
    rows.extend(("Hinweis zur Adresse", note) for note in drawing.state.notes)
    return rows


def write_sheet(book: Workbook, table: Table, drawing: Drawing, min_cell: int) -> None:
    ws = book.create_sheet(sheet_name(table.title, book.sheetnames))
    title = ws.cell(row=1, column=1)
    _set_text(title, f"{frame.APP_NAME}: {table.title}")
    title.font = Font(bold=True, size=14)
    row = 2
    for label, value in header_rows(drawing, table, min_cell):
        label_cell = ws.cell(row=row, column=1)
        _set_text(label_cell, label)
        label_cell.font = Font(bold=True)
        cell = ws.cell(row=row, column=2)
        if isinstance(value, datetime):
            cell.value = value
            cell.number_format = "dd.mm.yyyy hh:mm"
        elif isinstance(value, date):
            cell.value = value
            cell.number_format = XLSX_FORMATS["date"]
        elif isinstance(value, int):
            cell.value = value
        else:
            _set_text(cell, str(value))
        cell.alignment = Alignment(horizontal="left")
        row += 1
    header_row = row + 1
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=col)
        _set_text(cell, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, data_row in enumerate(table.rows, start=header_row + 1):
        for col, column in enumerate(table.columns, start=1):
            _write_cell(ws.cell(row=r, column=col), column, data_row.get(column.field), min_cell)
    last_row = header_row + max(len(table.rows), 1)
    last_col = get_column_letter(max(len(table.columns), 1))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"
    for col, column in enumerate(table.columns, start=1):
        texts = [str(r.get(column.field + TEXT_SUFFIX, r.get(column.field, ""))) for r in
                 table.rows]
        width = max([len(column.header) // 2 + 2, *(len(t) + 2 for t in texts), 12])
        ws.column_dimensions[get_column_letter(col)].width = min(width, 60)
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 24)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
