"""Reading an import file: the city's spreadsheet layout or an RNA extract.

Encoding UTF-8 (with or without BOM), else Windows-1252; separator `;`, `,` or tab, guessed
from the header line; the layout recognised from the columns.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from vieasso.annuaire.adapters.csv_layouts import PARSERS, Layout, Row


class UnreadableFile(ValueError):
    """The file cannot be read as one of the two layouts (French message)."""


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect(header: list[str]) -> Layout:
    columns = {h.strip().lower() for h in header}
    if {"id", "titre"} <= columns:
        return Layout.RNA
    if {"nom", "objet"} <= columns:
        return Layout.CITY
    raise UnreadableFile(
        "Format de fichier inconnu : il faut les colonnes « nom » et « objet » (tableur de la "
        "Ville) ou « id » et « titre » (extrait du RNA)."
    )


def read_rows(path: Path) -> tuple[Layout, list[Row]]:
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    layout = detect(list(reader.fieldnames or []))
    parse = PARSERS[layout]
    rows = []
    for number, raw in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        rows.append(parse(number, cells))
    return layout, rows
