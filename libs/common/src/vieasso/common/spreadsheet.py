"""CSV that a spreadsheet opens as data: no cell an association typed is run as a formula.

Excel, LibreOffice and Google Sheets evaluate a cell whose text starts with `=`, `+`, `-` or
`@` (some after a leading tab, CR or space), so `=HYPERLINK(...)` in an association's name would
become a live link, or worse, on the city's computer (OWASP "CSV Injection"). Every text cell
starting with one of those characters (after spaces) gets a leading `'`: the spreadsheet shows
the cell as text.

Text that merely looks numeric ("-5", "+33 6…") is prefixed too: `-2+3+cmd|…` looks numeric as
long as its start does, so no test short of a formula parser tells them apart (OWASP: prefix
untrusted text anyway). Numbers we hold as `int`/`float` are written as they are: they never
come from free text, and a spreadsheet must still sum them.

`excel=True` writes what a French Excel opens by double-click: a UTF-8 byte-order mark (else
it reads the bytes as Windows-1252) and `;` between cells (its list separator in a French
locale, where `,` is the decimal comma). Open-data exports keep the RFC 4180 defaults.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TextIO

# ASCII triggers (OWASP, ASVS 1.2.10), line breaks and NUL, and the full-width forms that some
# spreadsheets read as their ASCII twins.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")

Cell = str | int | float | None


def neutralise(value: Cell) -> str | int | float:
    """The value as a spreadsheet cell that is never a formula; `None` becomes empty."""
    if value is None:
        return ""
    if isinstance(value, str) and value.lstrip(" ").startswith(_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, excel: bool = False
) -> bytes:
    """UTF-8 CSV (comma, CRLF, RFC 4180 quoting) with every cell neutralised; `excel`: with
    a byte-order mark and `;` between cells (a French Excel)."""
    out = io.StringIO()
    write_rows(out, header, rows, delimiter=";" if excel else ",")
    return ("\ufeff" if excel else "").encode("utf-8") + out.getvalue().encode("utf-8")


def write_rows(
    out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, delimiter: str = ","
) -> None:
    """Write `header` then `rows` to a text file opened with `newline=""`."""
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
