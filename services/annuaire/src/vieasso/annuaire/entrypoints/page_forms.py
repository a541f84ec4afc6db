"""Form bodies ⇄ the commands of the API: the pages validate nothing themselves.

A form is read as strings (lists for checkboxes), turned into the same dict the JSON API
receives, and validated by the same command models and handlers. Errors come back keyed by
input name; the typed values are shown again as they were typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from vieasso.common.http.limits import bounded_form
from vieasso.common.web import form_errors

FormValues = dict[str, Any]
REQUIRED = "Ce champ est obligatoire."


@dataclass(frozen=True)
class FormSpec:
    """The inputs of one form and how each becomes a command field."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()  # checkbox groups
    lines: tuple[str, ...] = ()  # a textarea, one item per line
    booleans: tuple[str, ...] = ()  # a select: "true", "false" or "" (not said)
    checkboxes: tuple[str, ...] = ()  # one box: checked or not
    nested: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required_nested: tuple[str, ...] = ()  # objects sent even when empty (on creation)
    # pre-filled values that alone do not make a nested object (the city of an address)
    prefilled: Mapping[str, str] = field(default_factory=dict)


ASSOCIATION = FormSpec(
    required=("name", "purpose"),
    optional=(
        "short_name",
        "rna_id",
        "siren",
        "siret",
        "quartier",
        "email",
        "phone",
        "website",
        "founded_on",
    ),
    lists=("themes",),
    lines=("social_links",),
    booleans=("employs_staff",),
    nested={"address": ("street", "postal_code", "city"), "contact": ("name", "email", "phone")},
    required_nested=("contact",),
    prefilled={"address.city": "Besançon"},
)
MISSION = FormSpec(
    required=("title", "description", "kind", "how_to_apply"),
    optional=(
        "quartier",
        "venue_id",
        "starts_on",
        "ends_on",
        "schedule",
        "time_commitment",
        "remote",
        "places_available",
        "apply_url",
    ),
    lists=("themes",),
    lines=("skills",),
    checkboxes=("open_to_minors",),
)


async def read_form(request: Request, spec: FormSpec) -> FormValues:
    """The typed values, by input name (strings; lists for checkbox groups)."""
    form = await bounded_form(request)
    values: FormValues = {name: [] for name in spec.lists}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if key in spec.lists:
            values[key].append(value)
        else:
            values[key] = value
    return values


def command_data(values: FormValues, spec: FormSpec, *, change: bool) -> dict[str, Any]:
    """The API body for these values. On creation an empty required field is left out (the
    model says it is missing); on a change it is sent empty (the model refuses it)."""
    data: dict[str, Any] = {}
    for name in spec.required:
        text = str(values.get(name, "")).strip()
        if text or change:
            data[name] = text
    for name in spec.optional:
        data[name] = str(values.get(name, "")).strip() or None
    for name in spec.lists:
        data[name] = [v for v in values.get(name, []) if v]
    for name in spec.lines:
        data[name] = [
            line.strip() for line in str(values.get(name, "")).splitlines() if line.strip()
        ]
    for name in spec.booleans:
        data[name] = {"true": True, "false": False}.get(str(values.get(name, "")))
    for name in spec.checkboxes:
        data[name] = name in values
    for name, parts in spec.nested.items():
        given = {p: str(values.get(f"{name}.{p}", "")).strip() for p in parts}
        given = {p: v for p, v in given.items() if v}
        typed = {p for p, v in given.items() if spec.prefilled.get(f"{name}.{p}") != v}
        if typed or (name in spec.required_nested and not change):
            data[name] = given
        elif not change or name not in spec.required_nested:
            data[name] = None
    return data


def errors_of(exc: BaseException, values: FormValues, spec: FormSpec) -> dict[str, str]:
    """Per-input French messages; an empty required input simply says it is required."""
    errors = form_errors(exc)
    for name in list(errors):
        if name in spec.required and not str(values.get(name, "")).strip():
            errors[name] = REQUIRED
    return errors


def values_of(record: BaseModel, spec: FormSpec) -> FormValues:
    """A stored record as form values (to fill an edit form)."""
    dumped = record.model_dump(mode="json")
    values: FormValues = {}
    for name in (*spec.required, *spec.optional):
        values[name] = "" if dumped.get(name) is None else str(dumped[name])
    for name in spec.lists:
        values[name] = list(dumped.get(name) or [])
    for name in spec.lines:
        values[name] = "\n".join(dumped.get(name) or [])
    for name in spec.booleans:
        flag = dumped.get(name)
        values[name] = "" if flag is None else ("true" if flag else "false")
    for name in spec.checkboxes:
        if dumped.get(name):
            values[name] = "on"
    for name, parts in spec.nested.items():
        inner = dumped.get(name) or dumped.get(f"private_{name}") or {}
        for part in parts:
            values[f"{name}.{part}"] = "" if inner.get(part) is None else str(inner[part])
    return values
