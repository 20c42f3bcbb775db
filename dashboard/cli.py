"""The `kim` command: init, demo, import, export, report, serve.

Machine-readable output goes to standard output and nothing else does; progress and
messages go to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from queries import db


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"kein Datum (JJJJ-MM-TT): {value!r}") from exc


def _export_day(value: str) -> date:
    """--exported-on: ISO (2025-11-28) or German (28.11.2025), not in the future."""
    day = None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        parts = value.strip().split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                day = date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                day = None
    if day is None:
        raise argparse.ArgumentTypeError(
            f"kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ): {value!r}")
    if day > date.today():
        raise argparse.ArgumentTypeError(f"der Export kann nicht in der Zukunft liegen: {value!r}")
    return day


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_init(args) -> int:
    engine = db.writer_engine(args.database)
    db.init_db(engine)
    _say(f"Datenbank bereit: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_demo(args) -> int:
    from queries import demo

    engine = db.writer_engine(args.database)
    db.init_db(engine)
    counts = demo.generate(engine, persons=args.persons, seed=args.seed, until=args.until,
                           city=args.stadt)
    for table, n in counts.items():
        _say(f"{table}: {n} Zeilen")
    return 0


def cmd_import(args) -> int:
    from queries import importer

    engine = db.writer_engine(args.database)
    db.init_db(engine)
    result = importer.import_folder(engine, Path(args.folder), allow_shrink=args.allow_shrink,
                                    exported_on=args.exported_on)
    for problem in result.problems:
        _say(problem)
    if not result.ok:
        _say(f"Import abgelehnt: {len(result.problems)} Problem(e); die Datenbank ist unverändert.")
        return 1
    for table, n in result.counts.items():
        _say(f"{table}: {n} Zeilen importiert")
    return 0


def cmd_export(args) -> int:
    from queries import importer

    engine = db.writer_engine(args.database)
    counts = importer.export_folder(engine, Path(args.folder))
    for table, n in counts.items():
        _say(f"{table}: {n} Zeilen exportiert")
    return 0


def _filter(args):
    """The Filter of `--from --to --district --year --min-cell` (this year up to today by
    default), or None after saying in German what is wrong."""
    from queries.filters import Filter, FilterError

    to = args.to or date.today()
    frm = args.from_ or date(to.year, 1, 1)
    min_cell = args.min_cell if args.min_cell is not None else db.min_cell_setting()
    try:
        return Filter(frm, to, district=args.district, min_cell=min_cell, year=args.year)
    except FilterError as exc:
        _say(f"Fehler: {exc}")
        return None


def cmd_report(args) -> int:
    from queries import report

    f = _filter(args)
    if f is None:
        return 2
    engine = db.reader_engine(args.database)
    with engine.connect() as conn:
        if args.district is not None and not report.district_exists(conn, args.district):
            _say(f"Fehler: unbekannter Bezirk {args.district!r}")
            return 2
        data = report.build_report(conn, f)
    if args.format == "csv":
        sys.stdout.write(report.report_csv(data))
    else:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_audit(args) -> int:
    """Disclosure audit of one filter (queries/audit.py): exit 0 when no hidden count can be
    worked out from what is published, 1 with the cells and equations when one can."""
    from queries import audit, report

    f = _filter(args)
    if f is None:
        return 2
    min_cell = f.min_cell
    roles = audit.ALL_ROLES if args.role is None else (args.role,)
    engine = db.reader_engine(args.database)
    found = False
    with engine.connect() as conn:
        if args.district is not None and not report.district_exists(conn, args.district):
            _say(f"Fehler: unbekannter Bezirk {args.district!r}")
            return 2
        for role in roles:
            pub = audit.publication(conn, f, role)
            leaks = audit.audit(conn, f, role)
            hidden = len(pub.hidden())
            print(f"{role}: {len(pub.values)} veröffentlichte Zahlen, {hidden} geheim gehalten, "
                  f"{len(leaks)} berechenbar (K = {min_cell})")
            for leak in leaks:
                print(f"  {leak.text()}")
            found = found or bool(leaks)
    return 1 if found else 0


def cmd_serve(args) -> int:
    import ipaddress
    import logging

    from werkzeug.serving import WSGIRequestHandler, make_server

    from dashboard.app_factory import create_app
    from dashboard.security import AuthSettings

    settings = AuthSettings.from_env()
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if settings.mode == "none" and not loopback:
        _say(
            "Fehler: ohne Anmeldung (KIM_AUTH=none) darf KIM-Cockpit nur an 127.0.0.1 lauschen. "
            "Setzen Sie KIM_AUTH=basic oder KIM_AUTH=header."
        )
        return 2

    class QuietHandler(WSGIRequestHandler):
        # No product or version banner; the app writes its own access log without addresses.
        def version_string(self) -> str:
            return "KIM-Cockpit"

        def log_request(self, *a, **kw) -> None:
            pass

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(database_url=args.database)
    server = make_server(
        args.host, args.port, app.server, threaded=True, request_handler=QuietHandler
    )
    _say(f"KIM-Cockpit läuft auf http://{args.host}:{args.port}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def cmd_user_add(args) -> int:
    import getpass

    from dashboard.security import AuthSettings, add_user

    path = Path(args.users_file) if args.users_file else AuthSettings.from_env().users_file
    password = os.environ.get("KIM_NEW_PASSWORD") if args.password_from_env else None
    if password is None:
        password = getpass.getpass(f"Passwort für {args.name}: ")
        if getpass.getpass("Wiederholen: ") != password:
            _say("Fehler: die Passwörter stimmen nicht überein")
            return 2
    try:
        add_user(path, args.name, args.role, password)
    except ValueError as exc:
        _say(f"Fehler: {exc}")
        return 2
    _say(f"Benutzer {args.name} ({args.role}) gespeichert in {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="SQLAlchemy-URL der Datenbank (sonst KIM_DATABASE_URL, sonst instance/kim.sqlite)",
    )
    parser = argparse.ArgumentParser(prog="kim", description="KIM-Cockpit: Daten und Dashboard")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", parents=[common], help="leere Datenbank anlegen (idempotent)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common],
                       help="Demodaten für den Kreis Coesfeld (oder mit --stadt für eine "
                            "kreisfreie Stadt) erzeugen")
    p.add_argument("--stadt", action="store_true",
                   help="eine erfundene kreisfreie Stadt mit acht Stadtbezirken und "
                        "Stadtteilen statt des Kreises Coesfeld")
    p.add_argument("--persons", type=int, default=2000)
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument(
        "--until", type=_date, default=None, help="letzter Tag der Daten (Standard: heute)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", parents=[common], help="CSV-Dateien eines Ordners importieren")
    p.add_argument("folder")
    p.add_argument(
        "--allow-shrink",
        action="store_true",
        help="erlaubt, dass ein Import mehr als die Hälfte einer Tabelle entfernt",
    )
    p.add_argument(
        "--exported-on", type=_export_day, default=None, metavar="DATUM",
        help="Tag, an dem das Quellsystem exportiert hat; das Dashboard zeigt ihn als Datenstand",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export", parents=[common], help="Datenbank als kanonische CSV-Dateien schreiben"
    )
    p.add_argument("folder")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", parents=[common], help="Kennzahlen als JSON oder CSV ausgeben")
    p.add_argument("--from", dest="from_", type=_date, default=None)
    p.add_argument("--to", type=_date, default=None)
    p.add_argument("--district", default=None)
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--min-cell", type=int, default=None)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("audit", parents=[common],
                       help="prüfen, ob sich geheim gehaltene Zahlen berechnen lassen")
    p.add_argument("--from", dest="from_", type=_date, default=None)
    p.add_argument("--to", type=_date, default=None)
    p.add_argument("--district", default=None)
    p.add_argument("--year", type=int, default=None)
    p.add_argument("--min-cell", type=int, default=None)
    p.add_argument("--role", choices=["lenkungsgruppe", "koordination", "verwaltung"],
                   default=None, help="nur diese Rolle (sonst alle drei)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("serve", parents=[common], help="Dashboard starten")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("user", help="Benutzer für KIM_AUTH=basic verwalten")
    user_sub = p.add_subparsers(dest="user_command", required=True)
    p = user_sub.add_parser("add", help="Benutzer anlegen oder Passwort/Rolle ändern")
    p.add_argument("name")
    p.add_argument(
        "--role", required=True, choices=["lenkungsgruppe", "koordination", "verwaltung"]
    )
    p.add_argument(
        "--users-file", default=None, help="Standard: KIM_USERS_FILE bzw. instance/users.json"
    )
    p.add_argument(
        "--password-from-env",
        action="store_true",
        help="Passwort aus KIM_NEW_PASSWORD lesen (für Skripte) statt nachzufragen",
    )
    p.set_defaults(func=cmd_user_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
