"""Pure rules on identifiers and text: RNA, SIREN/SIRET (Luhn), French phones, slugs, search."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from vieasso.common.messages.annonces import CITY
from vieasso.common.validation import ascii_digits

SLUG_MAX = 60
_RNA = re.compile(r"^W[0-9A-Z]{9}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
_FRENCH_PHONE = re.compile(r"^0[1-9]\d{8}$")
LA_POSTE_SIREN = "356000000"
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "ð": "d"}
)
RESERVED_SLUGS = frozenset({"inscription", CITY})
"""Never given to an association: path segments a route uses where an association slug is read
(`/associations/inscription`), whose page the route would hide — every service's routes and the
proxy's are checked against this list by tests/annuaire/test_reserved_slugs.py —, and « ville »,
which names the city where the entraide names an association (its threads and annonces)."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:  # noqa: PLR2004 - Luhn: sum the two digits
                value -= 9
        total += value
    return total % 10 == 0


def _strip_spaces(value: object) -> object:
    return re.sub(r"\s", "", value) if isinstance(value, str) else value


def check_rna(value: str) -> str:
    value = value.upper()
    if not _RNA.match(value):
        raise ValueError(
            "Numéro RNA invalide : « W » suivi de 9 chiffres ou lettres (ex. W251001234)."
        )
    return value


def check_siren(value: str) -> str:
    if not (ascii_digits(value) and len(value) == 9 and luhn_ok(value)):  # noqa: PLR2004
        raise ValueError("Numéro SIREN invalide : 9 chiffres avec une clé de contrôle correcte.")
    return value


def check_siret(value: str) -> str:
    if not (ascii_digits(value) and len(value) == 14):  # noqa: PLR2004
        raise ValueError("Numéro SIRET invalide : 14 chiffres attendus.")
    la_poste = value.startswith(LA_POSTE_SIREN) and sum(map(int, value)) % 5 == 0
    if not (luhn_ok(value) or la_poste):
        raise ValueError("Numéro SIRET invalide : la clé de contrôle ne correspond pas.")
    return value


def check_phone(value: str) -> str:
    """A French phone number, stored as « 03 81 61 50 50 »."""
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("+33"):
        compact = "0" + compact[3:]
    elif compact.startswith("0033"):
        compact = "0" + compact[4:]
    if not _FRENCH_PHONE.match(compact):
        raise ValueError(
            "Numéro de téléphone invalide : 10 chiffres attendus (ex. 03 81 61 50 50)."
        )
    return " ".join(compact[i : i + 2] for i in range(0, 10, 2))


def _validated(check: Callable[[str], str]) -> AfterValidator:
    return AfterValidator(check)


Rna = Annotated[str, BeforeValidator(_strip_spaces), _validated(check_rna)]
Siren = Annotated[str, BeforeValidator(_strip_spaces), _validated(check_siren)]
Siret = Annotated[str, BeforeValidator(_strip_spaces), _validated(check_siret)]
Phone = Annotated[str, _validated(check_phone)]


def make_slug(text: str, *, max_length: int = SLUG_MAX) -> str:
    """ASCII slug of `text` ("Les Amis de l'Orgue — Besançon" → "les-amis-de-l-orgue-besancon"),
    cut at a word boundary to `max_length`."""
    slug = ""
    for word in normalize(text).split():
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            slug = slug or word[:max_length]
            break
        slug = candidate
    return slug or "association"


def slug_candidates(base: str, *, max_length: int = SLUG_MAX) -> Iterator[str]:
    """`base`, then `base-2`, `base-3`… `base-99` (kept within `max_length`), skipping the
    reserved slugs: "Inscription" gets `inscription-2`, as if `inscription` were taken."""
    if base not in RESERVED_SLUGS:
        yield base
    for n in range(2, 100):
        suffix = f"-{n}"
        yield base[: max_length - len(suffix)].rstrip("-") + suffix


def association_slug(name: str) -> str:
    """The slug an association named `name` gets when no other one holds it."""
    return next(slug_candidates(make_slug(name)))


def normalize(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: accent- and punctuation-insensitive."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    ascii_only = folded.encode("ascii", "ignore").decode()
    return " ".join(_NON_WORD.split(ascii_only)).strip()
