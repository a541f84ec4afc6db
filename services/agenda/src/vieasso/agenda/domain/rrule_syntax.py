"""The RRULE grammar of RFC 5545 §3.3.10, checked before dateutil reads a rule.

dateutil accepts more than the RFC (``BYDAY=MO(+1)``, ``BYEASTER``, repeated parts, values
out of range) and then fails late: with a bare IndexError while expanding, or in the ICS
feed, whose writer refuses what dateutil let through. Only the RFC's parts, once each, with
values in their ranges, reach dateutil; each refusal names the part, in French.
"""

from __future__ import annotations

import re
from collections.abc import Callable


class RecurrenceError(ValueError):
    """The rule cannot be accepted; the message is French, for the association."""


_WEEKDAY = "(SU|MO|TU|WE|TH|FR|SA)"
_INTEGER = re.compile(r"[+-]?\d{1,4}")
_NUMBER = re.compile(r"[+-]?\d{1,30}")  # COUNT, INTERVAL: their range is checked afterwards
_BYDAY = re.compile(rf"([+-]?)(\d{{1,2}})?{_WEEKDAY}")
_UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?")
_MOST_ITEMS = 60  # values in one BYxxx part
_MOST_WEEK = 53  # the largest rank of a weekday (BYDAY=53MO) or week number
_FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")

# part: (smallest, largest, negative values allowed)
_RANGES: dict[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, _MOST_WEEK, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}


def _invalid(detail: str) -> RecurrenceError:
    return RecurrenceError(f"Règle de récurrence invalide (RFC 5545) : {detail}")


def _check_list(name: str, value: str, check: Callable[[str], bool], expected: str) -> None:
    items = value.split(",")
    if len(items) > _MOST_ITEMS or not all(check(item) for item in items):
        raise _invalid(f"{name}={value[:40]} — attendu : {expected}.")


def _in_range(name: str) -> Callable[[str], bool]:
    low, high, signed = _RANGES[name]

    def check(item: str) -> bool:
        if not _INTEGER.fullmatch(item):
            return False
        number = int(item)
        return low <= number <= high or (signed and -high <= number <= -low)

    return check


def _byday(item: str) -> bool:
    found = _BYDAY.fullmatch(item)
    return found is not None and (found[2] is None or 1 <= int(found[2]) <= _MOST_WEEK)


def _check_value(name: str, value: str) -> None:
    if name == "FREQ" and value not in _FREQUENCIES:
        raise _invalid(f"FREQ={value[:20]} — attendu : DAILY, WEEKLY, MONTHLY ou YEARLY.")
    if name in ("COUNT", "INTERVAL") and not _NUMBER.fullmatch(value):
        raise _invalid(f"{name}={value[:20]} — attendu : un nombre entier.")
    if name == "UNTIL" and not _UNTIL.fullmatch(value):
        raise _invalid(f"UNTIL={value[:30]} — attendu : AAAAMMJJ ou AAAAMMJJTHHMMSSZ.")
    if name == "WKST" and not re.fullmatch(_WEEKDAY, value):
        raise _invalid(f"WKST={value[:20]} — attendu : un jour (MO, TU…).")
    if name == "BYDAY":
        _check_list(name, value, _byday, "des jours comme MO, 2TU ou -1FR (rang de 1 à 53)")
    if name in _RANGES:
        low, high, signed = _RANGES[name]
        limits = f"de {low} à {high}" + (f", ou de -{high} à -{low}" if signed else "")
        _check_list(name, value, _in_range(name), f"des nombres {limits}")


def rule_parts(text: str) -> dict[str, str]:
    """The parts of `text` (upper case, without the ``RRULE:`` prefix), each checked."""
    body = text.removeprefix("RRULE:").upper()  # as the ICS feed writes it: a prefix in capitals
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, equals, value = part.partition("=")
        if not equals or not name or not value:
            raise _invalid(f"« {part[:40]} » n'est pas de la forme NOM=valeur.")
        if name not in ("FREQ", "UNTIL", "COUNT", "INTERVAL", "WKST", "BYDAY", *_RANGES):
            raise _invalid(f"{name[:30]} n'existe pas dans une règle RRULE.")
        if name in parts:
            raise _invalid(f"{name} apparaît deux fois.")
        _check_value(name, value)
        parts[name] = value
    if "FREQ" not in parts:
        raise _invalid("FREQ (la fréquence) est obligatoire.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid("COUNT et UNTIL ne vont pas ensemble : choisissez l'un des deux.")
    return parts
