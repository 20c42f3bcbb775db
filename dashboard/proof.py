"""The draft Verwendungsnachweis of a finished budget year as an Excel workbook (openpyxl):
`/download/verwendungsnachweis/<year>.xlsx` (dashboard/downloads.py installs the route).

One sheet per module in the shape of a zahlenmäßiger Nachweis, every figure from
queries/budget.py (the same function behind the Mittelabfluss page and `kim report`):
- header rows: Kreis, Modul, Haushaltsjahr, Stichtag, Datenstand, "Entwurf – ersetzt nicht die
  Prüfung", the assumption of KPIS.md;
- I. Einnahmen: Zuwendung des Landes and Eigenanteil, bewilligt against erhalten;
- II. Ausgaben per category: bewilligt, tatsächlich, Abweichung (with a total row);
- III. Stellen: FTE-months approved, filled and vacant, and the occupancy;
- IV. Ergebnis: Landesmittel bewilligt, zuwendungsfähig (earned), nicht in Anspruch genommen
  (forfeited), bereits erhalten, zurückzuzahlen.
Money is written in euros with a euro number format (cents / 100 as an exact Decimal), never as a
float computed here. The sums are figures of queries/, not Excel formulas, so a reader without
recalculation sees the same numbers as the page.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from queries import budget as budget_figures
from queries import codes

from .components import budget_charts as bc

DRAFT = "Entwurf – ersetzt nicht die Prüfung"
EURO = '#,##0.00 "€"'
FTE_MONTHS = "#,##0.0"
PERCENT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
SECTION_FONT = Font(bold=True, size=12)

NOT_FINISHED = ("Einen Verwendungsnachweis gibt es nur für ein abgeschlossenes Haushaltsjahr; "
                "{year} ist am Stichtag {as_of} noch nicht abgeschlossen.")
BAD_YEAR = "„{name}“ ist kein Haushaltsjahr. Die Adresse lautet …/verwendungsnachweis/JJJJ.xlsx."


def file_name(year: int) -> str:
    return f"kim-verwendungsnachweis-{year}-entwurf.xlsx"


def figures_for(data, f, year: int) -> dict:
    """The budget figures of `year` seen on the filter's Stichtag (role-checked through Data)."""
    return data.call(budget_figures.budget, replace(f, year=year))


def _euro(cell, cents: int | None) -> None:
    if cents is None:
        cell.value = "–"
        cell.alignment = Alignment(horizontal="right")
        return
    cell.value = Decimal(cents) / 100
    cell.number_format = EURO


def _text(cell, value: str, *, bold: bool = False) -> None:
    cell.value = value
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)


def _money_row(ws, row: int, label: str, cents: tuple) -> None:
    """A label and euro amounts from column B on; a "Summe" row in bold."""
    _text(ws.cell(row=row, column=1), label, bold=label == "Summe")
    for col, value in enumerate(cents, start=2):
        _euro(ws.cell(row=row, column=col), value)


def _header_row(ws, row: int, titles: list[str]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row=row, column=col)
        _text(cell, title, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _module_sheet(book: Workbook, figures: dict, module: dict, *, kreis: str, as_of: date,
                  data_as_of: date | None, area: str = "Kreis") -> None:
    code = module["module"]
    ws = book.create_sheet(f"Modul {code}")
    year = figures["year"]
    title = ws.cell(row=1, column=1)
    _text(title, f"Verwendungsnachweis {year} – zahlenmäßiger Nachweis, Modul {code}")
    title.font = Font(bold=True, size=14)
    head = [
        (area, kreis),
        ("Modul", f"Modul {code} – {codes.MODULES[code]}"),
        ("Haushaltsjahr", year),
        ("Buchungen bis (Stichtag)", as_of),
        ("Datenstand", data_as_of if data_as_of else "noch kein Import"),
        ("Erstellt am", datetime.now().replace(microsecond=0)),
        ("Status", DRAFT),
        ("Annahme", bc.ASSUMPTION),
    ]
    row = 2
    for label, value in head:
        _text(ws.cell(row=row, column=1), label, bold=True)
        cell = ws.cell(row=row, column=2)
        if isinstance(value, datetime):
            cell.value, cell.number_format = value, "dd.mm.yyyy hh:mm"
        elif isinstance(value, date):
            cell.value, cell.number_format = value, "dd.mm.yyyy"
        elif isinstance(value, int):
            cell.value = value
        else:
            _text(cell, str(value), bold=label == "Status")
        cell.alignment = Alignment(horizontal="left")
        row += 1

    row += 1
    _text(ws.cell(row=row, column=1), "I. Einnahmen", bold=True)
    ws.cell(row=row, column=1).font = SECTION_FONT
    row += 1
    _header_row(ws, row, ["Einnahmeart", "bewilligt", "erhalten / eingesetzt", "Abweichung"])
    row += 1
    # The Land's grant as paid; the Eigenanteil is what the Kreis put in: the spending the
    # Land's earned funds do not cover.
    own_used = max(module["spent_cents"] - module["land_earned_projected_cents"], 0)
    land, own, received = module["land_cents"], module["own_share_cents"], module["received_cents"]
    for label, planned, actual in (
        ("Zuwendung des Landes", land, received),
        ("Eigenanteil (eigene Mittel)", own, own_used),
        ("Summe", land + own, received + own_used),
    ):
        _money_row(ws, row, label, (planned, actual, actual - planned))
        row += 1
    row += 1

    _text(ws.cell(row=row, column=1), "II. Ausgaben", bold=True)
    ws.cell(row=row, column=1).font = SECTION_FONT
    row += 1
    _header_row(ws, row, ["Kategorie", "bewilligt", "tatsächlich", "Abweichung",
                          "davon Landesmittel bewilligt", "Landesmittel zuwendungsfähig"])
    row += 1
    lines = [(codes.CATEGORIES[c["category"]], c) for c in module["categories"]]
    for label, c in [*lines, ("Summe", module)]:
        _money_row(ws, row, label, (
            c["allocated_cents"], c["spent_cents"], c["spent_cents"] - c["allocated_cents"],
            c["land_cents"], c["land_earned_projected_cents"]))
        row += 1
    row += 1

    _text(ws.cell(row=row, column=1), "III. Stellen", bold=True)
    ws.cell(row=row, column=1).font = SECTION_FONT
    row += 1
    _header_row(ws, row, ["", "VZÄ-Monate"])
    row += 1
    for label, value in (("bewilligt", module["fte_months_approved"]),
                         ("besetzt", module["fte_months_filled"]),
                         ("unbesetzt", module["fte_months_vacant"])):
        _text(ws.cell(row=row, column=1), label)
        cell = ws.cell(row=row, column=2)
        cell.value, cell.number_format = value, FTE_MONTHS
        row += 1
    _text(ws.cell(row=row, column=1), "Besetzungsquote (VZÄ-Tage)")
    cell = ws.cell(row=row, column=2)
    if module["occupancy_share"] is None:
        _text(cell, "–")
    else:
        cell.value, cell.number_format = module["occupancy_share"], PERCENT
    row += 2

    _text(ws.cell(row=row, column=1), "IV. Ergebnis", bold=True)
    ws.cell(row=row, column=1).font = SECTION_FONT
    row += 1
    for label, cents in (
        ("Landesmittel bewilligt", module["land_cents"]),
        ("Landesmittel zuwendungsfähig (abgerufen)", module["land_earned_projected_cents"]),
        ("Landesmittel nicht in Anspruch genommen (verfallen)",
         module["land_forfeit_projected_cents"]),
        ("vom Land bereits erhalten", module["received_cents"]),
        ("an das Land zurückzuzahlen", module["repayment_projected_cents"]),
    ):
        _text(ws.cell(row=row, column=1), label, bold=label.startswith("an das Land"))
        _euro(ws.cell(row=row, column=2), cents)
        row += 1

    ws.column_dimensions["A"].width = 52
    for letter in "BCDEF":
        ws.column_dimensions[letter].width = 20
    ws.column_dimensions["B"].width = 34
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def workbook_bytes(figures: dict, *, kreis: str, as_of: date, data_as_of: date | None,
                   area: str = "Kreis") -> bytes:
    """The workbook of a finished year's figures (queries.budget.budget with elapsed share 1)."""
    book = Workbook()
    book.remove(book.active)
    for module in figures["modules"]:
        _module_sheet(book, figures, module, kreis=kreis, as_of=as_of, data_as_of=data_as_of,
                      area=area)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the route (installed by dashboard/downloads.py, which answers Refusal and errors) ----------

BEFORE_START = "Für {year} gibt es keine Förderung: das Programm beginnt {start}."
NO_DATA = "Für das Haushaltsjahr {year} sind weder Bewilligungen noch Buchungen erfasst."


def download(data, budget_page, name: str):
    """The Flask response for …/download/verwendungsnachweis/<name>: German refusals (404 for an
    unknown, future or unfinished year, 403 without the budget page's permission)."""
    from flask import Response, request

    from queries import filters

    from . import security, urlstate
    from .downloads import MAX_QUERY_LENGTH, TOO_LONG, XLSX_MIMETYPE, Refusal, _permission

    stem, _, ext = name.rpartition(".")
    if budget_page is None:
        raise Refusal(404, "Diese Download-Adresse gehört zu keiner Seite des KIM-Cockpits.")
    if ext.lower() != "xlsx" or not (len(stem) == 4 and stem.isascii() and stem.isdigit()):
        raise Refusal(404, BAD_YEAR.format(name=name[:20]))
    if not security.can(_permission(budget_page)):
        raise Refusal(403, security.NO_PERMISSION_TEXT)
    query = request.query_string.decode("utf-8", errors="replace")
    if len(query) > MAX_QUERY_LENGTH:
        raise Refusal(400, TOO_LONG)
    year = int(stem)
    view = urlstate.read(data, budget_page.PATH, "?" + query)
    f = view.filter
    if year < filters.PROGRAMME_START.year:
        raise Refusal(404, BEFORE_START.format(year=year,
                                               start=filters.PROGRAMME_START.strftime("%d.%m.%Y")))
    if year >= f.as_of.year:
        raise Refusal(404, NOT_FINISHED.format(year=year, as_of=f.as_of.strftime("%d.%m.%Y")))
    figures = figures_for(data, f, year)
    if not bc.has_data(figures):
        raise Refusal(404, NO_DATA.format(year=year))
    body = workbook_bytes(figures, kreis=view.kreis_name, as_of=f.as_of,
                          data_as_of=data.datenstand(), area=view.words.area)
    return Response(body, mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{file_name(year)}"',
        "Cache-Control": "no-store",
    })
