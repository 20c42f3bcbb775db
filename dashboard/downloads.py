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

How a download gets exactly the page's numbers: the route parses the query with urlstate.parse
(unknown or broken parameters fall back to the defaults, as on the page), draws the page with its
own `layout(view)` under the request's role, and takes the table the section recorded while it
was drawn (components/section.py `collecting`): the same dash-ag-grid rows the browser gets,
with their `Column`s. Data is read through dashboard/data.py (cache, read-only engine, role check
in Data.call). A page the role may not open, or a section whose data it may not read, is refused
with 403; an unknown page or section, or one that has no table in this view, with 404; a database
that cannot be reached with 503; German plain text every time, never a traceback.

CSV (for German Excel): UTF-8 with BOM, ";" between fields, CRLF line ends, the German column
headers, decimal comma without thousands separators. Counts are whole numbers, a suppressed count
is the text "< K" (never its number); other numbers carry the decimals the page shows; money is
written in euros with two decimals and percentages in percent points with the page's decimals, each
as a plain number that Excel reads as a number, the unit moving into the header ("Bewilligt (€)",
"Abfluss (%)"); months are written as on the page ("Januar 2025"); a missing value (e.g. a ratio
from a suppressed count) is "–". Text that Excel would take for a formula (=, +, -, @) gets a
leading apostrophe. The CSV holds only the table; the filters are in its file name.

XLSX (openpyxl): first rows name the Kreis, the page, the table, the period, the Bezirk, the
Datenstand and the retrieval time (and notes about unusable URL parameters), then the header row,
frozen and with a filter. Numbers are numbers, euros carry a euro number format, percentages are
ratios with a percent format, months and dates are dates; suppressed counts are the text "< K".

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

from . import format as fmt
from . import layout as frame
from . import security, urlstate
from .components import section
from .components.tables import GRID_CAPTION, GRID_COLUMNS, TEXT_SUFFIX, Column, suppress_count
from .data import Data, DataUnavailable

log = logging.getLogger(__name__)

OVERVIEW_SLUG = "ueberblick"
# A page's query string is short (dates, a district id, a few flags); a longer one is refused.
MAX_QUERY_LENGTH = 2048

# Sections that a page leaves out altogether for a role without the permission (rather than
# drawing them with a refusal): asking for their download is then answered 403, not 404.
SECTION_PERMISSIONS = {
    ("fallzahlen", "caseload-staff"): "staff_level",
    ("fallzahlen", "caseload-municipality-staff"): "staff_level",
}

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
    return page.PATH.strip("/").replace("/", "-") or OVERVIEW_SLUG


def _permission(page) -> str:
    # the same rule as app_factory.page_permission (not imported: app_factory imports us)
    return getattr(page, "PERMISSION", "aggregates")


# --- installing: the routes, and the links on every page -----------------------------------------


def install(app: dash.Dash, data: Data, pages: Sequence) -> tuple:
    """Add the download routes to the app's server; return the pages, each drawing its sections
    with download links (hand these to the router)."""
    by_slug = {page_slug(p): p for p in pages}
    prefix = app.config.routes_pathname_prefix or "/"
    server = app.server

    def table(slug: str, name: str):
        return _respond(lambda: _table_download(app, data, by_slug, slug, name))

    def whole_page(name: str):
        return _respond(lambda: _page_download(app, data, by_slug, name))

    server.add_url_rule(f"{prefix}download/<slug>/<name>", "kim_download_table", table,
                        methods=["GET"])
    from . import proof  # the draft Verwendungsnachweis of a finished year (dashboard/proof.py)

    def verwendungsnachweis(name: str):
        return _respond(lambda: proof.download(data, by_slug.get("budget"), name))

    server.add_url_rule(f"{prefix}download/verwendungsnachweis/<name>",
                        "kim_download_verwendungsnachweis", verwendungsnachweis, methods=["GET"])
    server.add_url_rule(f"{prefix}download/<name>", "kim_download_page", whole_page,
                        methods=["GET"])
    return tuple(LinkedPage(p, app.get_relative_path(f"/download/{page_slug(p)}"))
                 for p in pages)


class LinkedPage:
    """A page module whose sections get download links carrying the current view's query; every
    other attribute is the module's."""

    def __init__(self, page, download_base: str):
        self._page = page
        self._download_base = download_base

    def __getattr__(self, name):
        return getattr(self._page, name)

    def __repr__(self) -> str:
        return f"LinkedPage({self._page.__name__})"

    @property
    def module(self):
        return self._page

    def layout(self, view):
        search = urlstate.search_for(view.state)
        base = self._download_base

        def link(section_id: str, ext: str) -> str:
            return f"{base}/{section_id}.{ext}{search}"

        with section.collecting(link) as collector:
            content = self._page.layout(view)
        tables = [r for r in collector.records.values() if r.grid is not None]
        if content is None or len(tables) < 2:
            return content
        return html.Div([content, html.Div(
            html.A(f"Alle Tabellen dieser Seite als Excel-Datei ({len(_distinct(tables))} "
                   "Tabellenblätter)", href=f"{base}.xlsx{search}", download="",
                   id="kim-download-all", className="kim-download-link"),
            className=f"{section.DOWNLOADS_CLASS} kim-downloads-page",
        )])


# --- the routes ----------------------------------------------------------------------------------


class Refusal(Exception):
    """A download that cannot be served: the HTTP status and the German text for the reader."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def _text(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


def _respond(produce) -> Response:
    try:
        return produce()
    except Refusal as refusal:
        return _text(refusal.status, refusal.text)
    except DataUnavailable as exc:
        return _text(503, UNAVAILABLE_PREFIX + str(exc))
    except security.AccessDenied:
        return _text(403, security.NO_PERMISSION_TEXT)
    except Exception:  # noqa: BLE001 - the reader gets words, the log the trace
        log.exception("download %s failed", request.path)
        return _text(500, FAILED)


@dataclass(frozen=True)
class Drawing:
    """A page drawn for a download: its view, its sections' records, and the header facts."""

    page: object
    slug: str
    state: urlstate.UrlState
    records: dict
    kreis: str
    district_name: str | None
    as_of: date | None
    budget_year: int | None
    # The Gemeinde level (a page with MUNICIPALITY_LEVEL and `gemeinde=` in the URL): "Name (AGS)".
    municipality: str | None = None


def _draw(app: dash.Dash, data: Data, by_slug: dict, slug: str) -> Drawing:
    page = by_slug.get(slug)
    if page is None:
        raise Refusal(404, NOT_FOUND_PAGE)
    if not security.can(_permission(page)):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    query = request.query_string.decode("utf-8", errors="replace")
    if len(query) > MAX_QUERY_LENGTH:
        raise Refusal(400, TOO_LONG)
    districts = data.districts()
    kreis = data.kreis_name()
    as_of = data.data_as_of()
    state = urlstate.parse("?" + query, today=data.today(), min_cell=data.min_cell,
                           districts={d["id"] for d in districts},
                           municipalities=data.municipality_districts())
    link_search = urlstate.link_search(state)

    def href(path: str, **changes) -> str | None:
        if path.strip("/") not in {p.PATH.strip("/") for p in by_slug.values()}:
            return None
        query = urlstate.search_for(state, **changes) if changes else link_search
        return app.get_relative_path(path) + query

    view = frame.View(pathname=page.PATH, state=state, data=data,
                      kreis_name=frame.kreis_text(kreis), href=href)
    with section.collecting() as collector:
        page.layout(view)
    names = {d["id"]: d["name"] for d in districts}
    year = None
    if callable(getattr(page, "budget_year", None)):
        year = page.budget_year(state)[0] or state.filter.as_of.year
    municipality = None
    if state.municipality and getattr(page, "MUNICIPALITY_LEVEL", False):
        gemeinden = {m["ags"]: m["name"] for m in data.call(meta.municipalities)}
        municipality = f"{gemeinden.get(state.municipality, '?')} ({state.municipality})"
    return Drawing(page=page, slug=slug, state=state, records=collector.records,
                   kreis=frame.kreis_text(kreis),
                   district_name=names.get(state.filter.district, state.filter.district),
                   as_of=as_of, budget_year=year, municipality=municipality)


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, ext.lower()


def _table_download(app, data, by_slug, slug: str, name: str) -> Response:
    section_id, ext = _split(name)
    if slug not in by_slug:
        raise Refusal(404, NOT_FOUND_PAGE)
    if ext not in ("csv", "xlsx"):
        raise Refusal(404, NOT_FOUND_FORMAT.format(ext=ext[:20]))
    needed = SECTION_PERMISSIONS.get((slug, section_id))
    if needed is not None and not security.can(needed):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    drawing = _draw(app, data, by_slug, slug)
    record = drawing.records.get(section_id)
    if record is None:
        raise Refusal(404, NOT_FOUND_SECTION.format(section=section_id[:40],
                                                    page=drawing.page.TITLE))
    if record.status == section.DENIED:
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    if record.status == section.FAILED:
        raise Refusal(500, FAILED)
    if record.grid is None:
        raise Refusal(404, NO_DATA)
    table = grid_table(record.grid, record.title)
    f = drawing.state.filter
    filename = file_name(slug, section_id, f.period_from, f.period_to, ext,
                         _level(drawing))
    if ext == "csv":
        return _file(csv_bytes(table, data.min_cell), CSV_MIMETYPE, filename)
    book = Workbook()
    book.remove(book.active)
    write_sheet(book, table, drawing, data.min_cell)
    return _file(_xlsx_bytes(book), XLSX_MIMETYPE, filename)


def _page_download(app, data, by_slug, name: str) -> Response:
    slug, ext = _split(name)
    if slug not in by_slug:
        raise Refusal(404, NOT_FOUND_PAGE)
    if ext != "xlsx":
        raise Refusal(404, NOT_FOUND_FORMAT.format(ext=ext[:20]))
    drawing = _draw(app, data, by_slug, slug)
    records = [r for r in drawing.records.values() if r.grid is not None]
    if not records:
        raise Refusal(404, NO_TABLES.format(page=drawing.page.TITLE))
    book = Workbook()
    book.remove(book.active)
    for record in _distinct(records):
        write_sheet(book, grid_table(record.grid, record.title), drawing, data.min_cell)
    f = drawing.state.filter
    filename = file_name(slug, "alle-tabellen", f.period_from, f.period_to, "xlsx",
                         _level(drawing))
    return _file(_xlsx_bytes(book), XLSX_MIMETYPE, filename)


def _level(drawing: Drawing) -> str | None:
    """The AGS for file names at the Gemeinde level (two Gemeinden, two names)."""
    return drawing.state.municipality if drawing.municipality else None


def _distinct(records: list) -> list:
    """One record per grid (two charts may share one table)."""
    seen, out = set(), []
    for r in records:
        if id(r.grid) not in seen:
            seen.add(id(r.grid))
            out.append(r)
    return out


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def file_name(slug: str, section_id: str, first: date, last: date, ext: str,
              municipality: str | None = None) -> str:
    level = f"-{municipality}" if municipality else ""
    stem = f"kim-{slug}-{section_id}{level}-{first.isoformat()}-{last.isoformat()}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + "." + ext


# --- the table behind a grid ---------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    title: str          # the caption of the grid (else the section heading)
    columns: tuple[Column, ...]
    rows: tuple[dict, ...]


def grid_table(grid, title: str) -> Table:
    """The columns and rows of a dash-ag-grid made by components.tables.data_table (a grid made
    otherwise is read column by column as the text it shows)."""
    rows = tuple(grid.rowData or ())
    columns = getattr(grid, GRID_COLUMNS, None)
    if columns is None:
        columns = tuple(Column(d["field"] + TEXT_SUFFIX if rows and d["field"] + TEXT_SUFFIX
                               in rows[0] else d["field"], d.get("headerName") or d["field"])
                        for d in grid.columnDefs or ())
    return Table(title=getattr(grid, GRID_CAPTION, None) or title, columns=tuple(columns),
                 rows=rows)


def _decimal_text(value, decimals: int) -> str:
    """1234.5 -> "1234,5": kaufmännisch rounded like dashboard/format.py, no thousands separator."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:.{decimals}f}".replace(".", ",")


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
            return f"< {min_cell}"
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
            _set_text(cell, f"< {min_cell}")
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
    rows: list[tuple[str, object]] = [
        ("Kreis", drawing.kreis),
        ("Seite", drawing.page.TITLE),
        ("Tabelle", table.title),
        ("Zeitraum von", f.period_from),
        ("Zeitraum bis (Stichtag)", f.period_to),
        ("Bezirk", drawing.district_name or "alle Bezirke (Kreis gesamt)"),
    ]
    if drawing.municipality:
        rows.append(("Gemeinde", drawing.municipality))
    if drawing.budget_year is not None:
        rows.append(("Haushaltsjahr", drawing.budget_year))
    kreiswide = getattr(drawing.page, "KREISWIDE_NOTE", None)
    if kreiswide and f.district is not None:
        rows.append(("Hinweis", kreiswide))
    rows.append(("Datenstand", drawing.as_of if drawing.as_of else "noch kein Import"))
    rows.append(("Abgerufen am", datetime.now().replace(microsecond=0)))
    rows.append(("Kleine Fallzahlen", f"Fallzahlen unter {min_cell} sind als „< {min_cell}“ "
                                      "ausgewiesen."))
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
