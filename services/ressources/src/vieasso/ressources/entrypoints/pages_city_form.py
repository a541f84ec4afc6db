"""The city's catalogue forms ⇄ the record's fields: the pages validate nothing themselves.

A form is read as strings, turned into the same dict the JSON API receives and validated by
the same use case (`handlers.catalogue.save_entry`); errors come back keyed by input name and
the typed values are shown again as they were typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.common.web import form_errors
from vieasso.ressources.domain.catalogue import EquipmentModel, Room

FormValues = dict[str, Any]
REQUIRED = "Ce champ est obligatoire."
NOTICE = ("notice.min_days", "notice.max_days")
REQUIRED_TEXTS = frozenset({"name", "category", "storage_place", "venue_id"})
PHOTO = ("image_id", "image_alt")  # the photo's file input is `photo`
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Form:
    """The inputs of one kind's form."""

    texts: tuple[str, ...]
    numbers: tuple[str, ...]
    optional: tuple[str, ...] = ()  # sent as null when empty
    checkboxes: tuple[str, ...] = ()


FORMS = {
    ResourceKind.EQUIPMENT: Form(
        texts=("name", "category", "description", "storage_place", "handover"),
        numbers=("stock", "deposit_eur", "damage_fee_eur", "max_loan_days", "buffer_days"),
        optional=("photo_url", *PHOTO),
    ),
    ResourceKind.ROOM: Form(
        texts=("name", "venue_id", "description", "accessibility", "equipment_notes"),
        numbers=("capacity",),
        optional=PHOTO,
        checkboxes=("accessible",),
    ),
}


def slug_of(name: str) -> str:
    """An id from a name: « Barnum 3×3 m » → `barnum-3x3-m`."""
    folded = unicodedata.normalize("NFKD", name.replace("×", "x").lower())
    ascii_only = folded.encode("ascii", "ignore").decode()
    return _NON_WORD.sub("-", ascii_only).strip("-")[:60].strip("-")


async def read_form(request: Request) -> tuple[FormValues, bytes | None]:
    """The typed values, by input name (`opening` is the list of checked half-days), and the
    photo's file when one was chosen (the form is multipart; it may hold that one file)."""
    values: FormValues = {"opening": []}
    photo = None
    for key, value in (await bounded_form(request, max_files=1)).multi_items():
        if isinstance(value, UploadFile):
            if key == "photo" and value.size:
                photo = await value.read()
        elif key == "opening":
            values["opening"].append(value)
        else:
            values[key] = value
    if values.get("retirer_photo"):
        values["image_id"] = ""
    return values, photo


def entry_data(kind: ResourceKind, values: FormValues) -> dict[str, Any]:
    """The API body for these values; an empty number is left out (the record's default, or
    « obligatoire » for the stock and the capacity)."""
    form = FORMS[kind]
    data: dict[str, Any] = {n: str(values.get(n, "")).strip() for n in form.texts}
    for name in form.numbers:
        if text := str(values.get(name, "")).strip():
            data[name] = text
    for name in form.optional:
        data[name] = str(values.get(name, "")).strip() or None
    for name in form.checkboxes:
        data[name] = name in values
    notice = {n.split(".")[1]: str(values.get(n, "")).strip() for n in NOTICE}
    data["notice"] = {k: v for k, v in notice.items() if v}
    if kind is ResourceKind.ROOM:
        data["opening"] = _opening(values.get("opening", []))
    return data


def _opening(checked: list[str]) -> dict[str, list[str]]:
    """`["1:matin", "1:apres-midi", "6:matin"]` → `{"1": ["matin", "apres-midi"], "6": [...]}`."""
    opening: dict[str, list[str]] = {}
    for item in checked:
        day, _, half = item.partition(":")
        opening.setdefault(day, []).append(half)
    order = {h.value: n for n, h in enumerate(Half)}
    return {d: sorted(hs, key=lambda h: order.get(h, len(order))) for d, hs in opening.items()}


def errors_of(exc: BaseException, values: FormValues) -> dict[str, str]:
    """Per-input French messages; an empty required input simply says it is required."""
    errors = form_errors(exc)
    if "notice" in errors:  # the rule across both inputs: shown at the second
        errors["notice.max_days"] = errors.pop("notice")
    for name in errors.keys() & REQUIRED_TEXTS:
        if not str(values.get(name, "")).strip():
            errors[name] = REQUIRED
    return errors


def values_of(entry: EquipmentModel | Room) -> FormValues:
    """A stored record as form values (to fill the edit form)."""
    dumped = entry.model_dump(mode="json", exclude={"notice", "opening", "accessible", "photo"})
    values: FormValues = {k: "" if v is None else v for k, v in dumped.items()}
    values["notice.min_days"] = entry.notice.min_days
    values["notice.max_days"] = entry.notice.max_days
    if isinstance(entry, Room):
        values["opening"] = [f"{d}:{h.value}" for d, hs in entry.opening.items() for h in hs]
        if entry.accessible:
            values["accessible"] = "on"
    return values
