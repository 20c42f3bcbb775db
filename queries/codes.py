"""The code lists of DATA_MODEL.md with German labels: defined once for schema, import and UI."""

from __future__ import annotations

from dataclasses import dataclass

# Status groups in the order of the Sankey columns (prekär → eingebürgert).
STATUS_GROUPS: tuple[str, ...] = ("prekär", "befristet", "verfestigt", "eingebürgert")


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    group: str
    bleiberecht: bool = False


STATUSES: tuple[Status, ...] = (
    Status("GESTATTUNG", "Aufenthaltsgestattung (Asylverfahren)", "prekär"),
    Status("DULDUNG", "Duldung (§ 60a AufenthG)", "prekär"),
    Status("DULDUNG_AB", "Ausbildungs- oder Beschäftigungsduldung (§§ 60c, 60d)", "prekär"),
    Status("AE_104C", "Chancen-Aufenthaltsrecht (§ 104c)", "befristet"),
    Status("AE_24", "Vorübergehender Schutz (§ 24)", "befristet"),
    Status("AE_SCHUTZ", "Schutzstatus (§ 25 Abs. 1–3)", "befristet"),
    Status("AE_25A", "Gut integrierte Jugendliche (§ 25a)", "befristet", bleiberecht=True),
    Status("AE_25B", "Nachhaltige Integration (§ 25b)", "befristet", bleiberecht=True),
    Status("AE_ERWERB", "Ausbildung, Studium, Erwerbstätigkeit (§§ 16–21)", "befristet"),
    Status("AE_FAMILIE", "Familiennachzug (§§ 27–36)", "befristet"),
    Status("AE_SONST", "Sonstige Aufenthaltserlaubnis", "befristet"),
    Status("NE", "Niederlassungserlaubnis / Daueraufenthalt-EU", "verfestigt"),
    Status("EU", "Freizügigkeit EU/EWR", "verfestigt"),
    Status("DEUTSCH", "Eingebürgert", "eingebürgert"),
)
STATUS_BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}
STATUS_CODES: tuple[str, ...] = tuple(s.code for s in STATUSES)
BLEIBERECHT_CODES: tuple[str, ...] = tuple(s.code for s in STATUSES if s.bleiberecht)
EINBUERGERUNG_CODE = "DEUTSCH"

SPHERES: dict[str, str] = {
    "ASYLBLG": "AsylbLG",
    "SGB2": "SGB II (Jobcenter)",
    "SGB3": "SGB III (Agentur für Arbeit)",
    "SGB8": "SGB VIII (Jugendhilfe)",
    "SGB12": "SGB XII (Sozialhilfe)",
    "KEINE": "keine Leistungen",
}
# The sphere that is no benefit: part of the gap of a benefit change (KPIS.md).
NO_BENEFIT_SPHERE = "KEINE"

MODULES: dict[str, str] = {
    "I": "Strategische Koordination und Steuerung",
    "II": "Rechtskreisübergreifendes Case Management",
    "III": "Ausländer- und Einbürgerungsbehörde",
}
ROLES: dict[str, str] = {
    "KOORDINATION": "Koordination",
    "VERWALTUNG": "Verwaltungsassistenz",
    "CASE_MANAGEMENT": "Case Management",
    "ABH": "Ausländerbehörde",
    "EBB": "Einbürgerungsbehörde",
}
CATEGORIES: dict[str, str] = {
    "BERATUNG": "Externe Beratung",
    "MASSNAHME": "Maßnahmen",
    "PERSONAL": "Personal",
    "SACH": "Sachkosten",
    "VERANSTALTUNG": "Veranstaltungen",
}
SOURCES: dict[str, str] = {"LAND": "Land NRW", "EIGENANTEIL": "Eigenanteil"}
LEDGER_KINDS: dict[str, str] = {"AUSGABE": "Ausgabe", "EINNAHME": "Einnahme"}

SEXES: dict[str, str] = {"w": "weiblich", "m": "männlich", "d": "divers", "x": "nicht angegeben"}
CLOSE_REASONS: dict[str, str] = {
    "ZIEL": "Ziele erreicht",
    "UEBERGABE": "an Regeldienst übergeben",
    "UMZUG": "verzogen",
    "ABBRUCH": "Kontakt abgebrochen",
    "SONSTIGE": "Sonstiges",
}
NEEDS: dict[str, str] = {
    "AUFENTHALT": "Aufenthalt",
    "ORIENTIERUNG": "Erstorientierung",
    "SPRACHE": "Sprache",
    "ARBEIT": "Arbeit",
    "WOHNEN": "Wohnen",
    "BILDUNG": "Bildung",
    "GESUNDHEIT": "Gesundheit",
    "FAMILIE": "Familie",
}
INSTITUTIONS: dict[str, str] = {
    "JOBCENTER": "Jobcenter",
    "AGENTUR": "Agentur für Arbeit",
    "JUGENDAMT": "Jugendamt",
    "SOZIALAMT": "Sozialamt",
    "ABH": "Ausländerbehörde",
    "EBB": "Einbürgerungsbehörde",
    "MBE": "Migrationsberatung für Erwachsene",
    "JMD": "Jugendmigrationsdienst",
    "SCHULE": "Schule",
    "GESUNDHEIT": "Gesundheitswesen",
    "SONSTIGE": "Sonstige",
}
REFERRAL_OUTCOMES: dict[str, str] = {
    "ANGENOMMEN": "angenommen",
    "ABGELEHNT": "abgelehnt",
    "OFFEN": "offen",
}
IMPORT_OUTCOMES: tuple[str, ...] = ("OK", "REFUSED")
TERRITORY_KINDS: tuple[str, ...] = ("KREIS", "KREISFREIE_STADT")
MUNICIPALITY_KINDS: tuple[str, ...] = ("GEMEINDE", "STADTTEIL")

# Start of the state programme (Förderbeginn).
PROGRAMME_START_ISO = "2020-07-01"

# Kreise and kreisfreie Städte of NRW by the first five digits of the AGS, so the dashboard can
# name whichever Kreis's data it is pointed at (setting KIM_KREIS_NAME overrides).
NRW_KREISE: dict[str, str] = {
    "05111": "Stadt Düsseldorf",
    "05112": "Stadt Duisburg",
    "05113": "Stadt Essen",
    "05114": "Stadt Krefeld",
    "05116": "Stadt Mönchengladbach",
    "05117": "Stadt Mülheim an der Ruhr",
    "05119": "Stadt Oberhausen",
    "05120": "Stadt Remscheid",
    "05122": "Stadt Solingen",
    "05124": "Stadt Wuppertal",
    "05154": "Kreis Kleve",
    "05158": "Kreis Mettmann",
    "05162": "Rhein-Kreis Neuss",
    "05166": "Kreis Viersen",
    "05170": "Kreis Wesel",
    "05314": "Stadt Bonn",
    "05315": "Stadt Köln",
    "05316": "Stadt Leverkusen",
    "05334": "Städteregion Aachen",
    "05358": "Kreis Düren",
    "05362": "Rhein-Erft-Kreis",
    "05366": "Kreis Euskirchen",
    "05370": "Kreis Heinsberg",
    "05374": "Oberbergischer Kreis",
    "05378": "Rheinisch-Bergischer Kreis",
    "05382": "Rhein-Sieg-Kreis",
    "05512": "Stadt Bottrop",
    "05513": "Stadt Gelsenkirchen",
    "05515": "Stadt Münster",
    "05554": "Kreis Borken",
    "05558": "Kreis Coesfeld",
    "05562": "Kreis Recklinghausen",
    "05566": "Kreis Steinfurt",
    "05570": "Kreis Warendorf",
    "05711": "Stadt Bielefeld",
    "05754": "Kreis Gütersloh",
    "05758": "Kreis Herford",
    "05762": "Kreis Höxter",
    "05766": "Kreis Lippe",
    "05770": "Kreis Minden-Lübbecke",
    "05774": "Kreis Paderborn",
    "05911": "Stadt Bochum",
    "05913": "Stadt Dortmund",
    "05914": "Stadt Hagen",
    "05915": "Stadt Hamm",
    "05916": "Stadt Herne",
    "05954": "Ennepe-Ruhr-Kreis",
    "05958": "Hochsauerlandkreis",
    "05962": "Märkischer Kreis",
    "05966": "Kreis Olpe",
    "05970": "Kreis Siegen-Wittgenstein",
    "05974": "Kreis Soest",
    "05978": "Kreis Unna",
}
