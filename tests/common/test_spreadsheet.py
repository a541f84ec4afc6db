"""CSV cells a spreadsheet would evaluate are written as text (formula injection)."""

from __future__ import annotations

import csv
import io

import pytest

from vieasso.common.spreadsheet import csv_bytes, neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+33 6 00 00 00 00", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1", "\r=1+1",
     "\n=1", "-5", "＝1+1", "  =1+1"],
)  # fmt: skip
def test_text_starting_with_a_formula_trigger_gets_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Les Amis", " 1+1", "a=b", "", "'déjà cité", "1-2"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_we_hold_stay_numbers_and_none_is_empty() -> None:
    assert neutralise(-3) == -3
    assert neutralise(-0.5) == -0.5
    assert neutralise(None) == ""


def test_csv_bytes_quotes_as_rfc_4180_and_neutralises_every_cell() -> None:
    body = csv_bytes(["a", "b"], [['=HYPERLINK("x","y")', 'dit "bonjour", puis'], [None, -1]])
    assert body == b'a,b\r\n"\'=HYPERLINK(""x"",""y"")","dit ""bonjour"", puis"\r\n,-1\r\n'
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[1] == ['\'=HYPERLINK("x","y")', 'dit "bonjour", puis']


def test_excel_csv_has_a_byte_order_mark_and_semicolons() -> None:
    body = csv_bytes(["nom", "jours"], [["Comité; des fêtes", 3], ["=1+1", None]], excel=True)
    assert body.startswith(b"\xef\xbb\xbf")  # else a French Excel reads Windows-1252
    assert body.decode("utf-8-sig") == 'nom;jours\r\n"Comité; des fêtes";3\r\n\'=1+1;\r\n'
