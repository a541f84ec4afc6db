"""The city's scheme form ⇄ the record's fields: the pages validate nothing themselves.

A form is read as strings (lists for the checkbox groups), turned into the nested dict the
model takes and validated by the use case (`handlers.schemes.save_city_scheme`); errors come
back keyed by input name and the typed values are shown again as they were typed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from fastapi import Request

from vieasso.aides.domain.schemes import AidScheme
from vieasso.common.http.limits import bounded_form
from vieasso.common.web import form_errors

FormValues = dict[str, Any]
REQUIRED = "Ce champ est obligatoire."
GROUPS = frozenset({"kinds", "themes", "eligibility.quartiers"})
LINES = ("funders", "eligibility.conditions", "application.documents")
TEXTS = (
    "name", "short_description", "description", "perimeter", "eligibility.employs_staff",
    "amounts.note", "application.contact",
)  # fmt: skip
OPTIONAL = ("application.url",)  # sent as null when empty
NUMBERS = (
    "eligibility.min_age_months", "eligibility.budget_min", "eligibility.budget_max",
    "eligibility.min_volunteers", "eligibility.max_volunteers", "amounts.min_eur",
    "amounts.max_eur", "amounts.rate_min_percent", "amounts.rate_max_percent",
)  # fmt: skip
DEADLINE_INPUTS = {
    "date": ("deadline", "opens_on"),
    "annuel": ("opens_day", "opens_month", "closes_day", "closes_month"),
    "permanent": (),
}
# Errors about a group of inputs, shown at one of them.
SHOWN_AT = {
    "eligibility": "eligibility.budget_max",
    "amounts": "amounts.max_eur",
    "deadlines": "deadlines.kind",
    "deadlines.date": "deadlines.deadline",
    "deadlines.annuel": "deadlines.closes_day",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug_of(name: str) -> str:
    """An id from a name: « Fonds de participation des habitants » → `fonds-de-particip…`."""
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return _NON_WORD.sub("-", folded).strip("-")[:60].strip("-")


async def read_form(request: Request) -> FormValues:
    values: FormValues = {name: [] for name in GROUPS}
    for key, value in (await bounded_form(request)).multi_items():
        if not isinstance(value, str):
            continue
        if key in GROUPS:
            values[key].append(value)
        else:
            values[key] = value
    return values


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _put(data.setdefault(head, {}), rest, value)
    else:
        data[head] = value


def scheme_data(values: FormValues) -> dict[str, Any]:
    """The model's fields for these values; an empty number is left out (no condition)."""
    data: dict[str, Any] = {"eligibility": {}, "amounts": {}, "application": {}}
    for name in TEXTS:
        if text := str(values.get(name, "")).strip():
            _put(data, name, text)
    for name in OPTIONAL:
        _put(data, name, str(values.get(name, "")).strip() or None)
    for name in LINES:
        lines = str(values.get(name, "")).splitlines()
        _put(data, name, [line.strip() for line in lines if line.strip()])
    for name in NUMBERS:
        if text := str(values.get(name, "")).strip():
            _put(data, name, text)
    for name in GROUPS:
        _put(data, name, list(values.get(name, [])))
    kind = str(values.get("deadlines.kind", "")).strip()
    deadlines: dict[str, Any] = {"kind": kind}
    for name in DEADLINE_INPUTS.get(kind, ()):
        if text := str(values.get(f"deadlines.{name}", "")).strip():
            deadlines[name] = text
    data["deadlines"] = deadlines
    return data


def errors_of(exc: BaseException, values: FormValues) -> dict[str, str]:
    """Per-input French messages; an empty required input simply says it is required."""
    errors: dict[str, str] = {}
    for path, message in form_errors(exc).items():
        name = SHOWN_AT.get(path, path)
        for kind in DEADLINE_INPUTS:  # `deadlines.annuel.opens_day` → `deadlines.opens_day`
            name = name.replace(f"deadlines.{kind}.", "deadlines.")
        errors[name] = f"{errors[name]} {message}" if name in errors else message
    for name in ("name", "short_description", "funders", "kinds"):
        if name in errors and not values.get(name):
            errors[name] = REQUIRED
    return errors


def values_of(scheme: AidScheme) -> FormValues:
    """A stored record as form values (to fill the edit form)."""
    values: FormValues = {}

    def flatten(prefix: str, data: dict[str, Any]) -> None:
        for key, value in data.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                flatten(f"{name}.", value)
            elif isinstance(value, list):
                values[name] = value if name in GROUPS else "\n".join(map(str, value))
            else:
                values[name] = "" if value is None else value

    flatten("", scheme.model_dump(mode="json", exclude={"source"}))
    return values
