"""Turns pydantic validation errors into French messages, one per field.

Used for HTTP 422 answers and for rejections published on NATS, so that a person sees the
same words whichever way they submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from vieasso.common.messages.base import FieldError

_MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "string_too_short": "Ce texte est trop court ({min_length} caractère(s) au minimum).",
    "string_too_long": "Ce texte est trop long ({max_length} caractères au maximum).",
    "string_pattern_mismatch": "Le format n'est pas valide.",
    "int_type": "Un nombre entier est attendu.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_from_float": "Un nombre entier est attendu.",
    "float_type": "Un nombre est attendu.",
    "float_parsing": "Un nombre est attendu.",
    "bool_type": "Une valeur oui/non (true/false) est attendue.",
    "bool_parsing": "Une valeur oui/non (true/false) est attendue.",
    "greater_than": "La valeur doit être supérieure à {gt}.",
    "greater_than_equal": "La valeur doit être supérieure ou égale à {ge}.",
    "less_than": "La valeur doit être inférieure à {lt}.",
    "less_than_equal": "La valeur doit être inférieure ou égale à {le}.",
    "too_short": "Il faut au moins {min_length} élément(s).",
    "too_long": "Il y a trop d'éléments ({max_length} au maximum).",
    "enum": "Valeur inconnue ; valeurs possibles : {expected}.",
    "literal_error": "Valeur inconnue ; valeurs possibles : {expected}.",
    "list_type": "Une liste est attendue.",
    "tuple_type": "Une liste est attendue.",
    "dict_type": "Un objet est attendu.",
    "model_type": "Un objet est attendu.",
    "model_attributes_type": "Un objet est attendu.",
    "date_type": "Une date est attendue (AAAA-MM-JJ).",
    "date_parsing": "Date invalide : le format attendu est AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Date invalide : le format attendu est AAAA-MM-JJ.",
    "date_from_datetime_inexact": "Une date sans heure est attendue (AAAA-MM-JJ).",
    "datetime_type": "Une date et une heure sont attendues (ISO 8601).",
    "datetime_parsing": "Date et heure invalides : le format attendu est ISO 8601.",
    "datetime_from_date_parsing": "Date et heure invalides : le format attendu est ISO 8601.",
    "timezone_aware": "La date et l'heure doivent préciser le fuseau horaire (ex. +01:00).",
    "url_parsing": "Adresse web invalide.",
    "url_scheme": "L'adresse web doit commencer par http:// ou https://.",
    "url_type": "Une adresse web est attendue.",
    "url_too_long": "L'adresse web est trop longue.",
    "value_error": "Valeur invalide.",
    "uuid_parsing": "Identifiant invalide (UUID attendu).",
    "uuid_type": "Identifiant invalide (UUID attendu).",
    "json_invalid": "Le contenu n'est pas du JSON valide.",
    "json_type": "Le contenu n'est pas du JSON valide.",
    "union_tag_invalid": "Valeur invalide.",
    "datetime_or_date": (
        "Une date et une heure avec fuseau horaire (ex. 2026-05-14T18:30:00+02:00) "
        "ou une date (AAAA-MM-JJ) sont attendues."
    ),
}


# Members of a `datetime | date` union, as pydantic names them at the end of `loc`.
def ascii_digits(text: str) -> bool:
    """Only 0–9, at least one: `str.isdigit` also accepts « ² » or « ① », which `int()`
    refuses (a 500 wherever `isdigit()` guarded an `int()`)."""
    return text.isascii() and text.isdigit()


_TEMPORAL_MEMBERS = frozenset({"datetime", "date"})

_VALUE_ERRORS: dict[str, str] = {
    "single_line": "Ce texte doit tenir sur une ligne (pas de retour à la ligne).",
    "control_characters": "Ce texte contient des caractères de contrôle interdits.",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", "value_error"))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        if reason in _VALUE_ERRORS:
            return _VALUE_ERRORS[reason]
        if "email" in str(error.get("msg", "")).lower():
            return "Adresse e-mail invalide."
        return str(ctx.get("error") or "Valeur invalide.")
    template = _MESSAGES.get(kind)
    if template is None:
        return "Valeur invalide."
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", " ou ")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split(" (")[0].rstrip(".") + "."


def field_path(
    loc: Sequence[int | str], *, skip: Iterable[str] = ("body", "query", "path", "header")
) -> str:
    """`("body", "place", "postal_code")` → `place.postal_code`; union tags are dropped."""
    skipped = set(skip)
    parts: list[str] = []
    for item in loc:
        text = str(item)
        if not parts and text in skipped:
            continue
        if not isinstance(item, int) and (
            "[" in text or text in {"function-after", "lax-or-strict"}
        ):
            continue  # pydantic's union member labels, e.g. `datetime` in `start.datetime`
        parts.append(text)
    return ".".join(parts) or "__root__"


def _merge_temporal_unions(raw: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One error per `datetime | date` field instead of one per union member."""
    members: dict[tuple[Any, ...], set[str]] = {}
    for error in raw:
        loc = tuple(error.get("loc", ()))
        if loc and loc[-1] in _TEMPORAL_MEMBERS:
            members.setdefault(loc[:-1], set()).add(str(loc[-1]))
    unions = {parent for parent, seen in members.items() if seen == _TEMPORAL_MEMBERS}
    merged: list[Mapping[str, Any]] = []
    for error in raw:
        loc = tuple(error.get("loc", ()))
        if loc and loc[-1] in _TEMPORAL_MEMBERS and loc[:-1] in unions:
            merged.append({"loc": loc[:-1], "type": "datetime_or_date"})
        else:
            merged.append(error)
    return merged


def french_errors(errors: ValidationError | Sequence[Mapping[str, Any]]) -> list[FieldError]:
    raw = _merge_temporal_unions(errors.errors() if isinstance(errors, ValidationError) else errors)
    result: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for error in raw:
        path = field_path(tuple(error.get("loc", ())))
        message = _message(error)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        result.append(FieldError(field=path, message=message, code=str(error.get("type"))))
    return result
