"""The association space's event form: typed values ↔ the API's JSON body, errors ↔ fields.

Only a translation: the body goes through the API's own model and rules
(`entrypoints.submitting`), which say what is wrong; dates typed in `datetime-local` and
`date` inputs are read in Europe/Paris, a weekly (daily, monthly) repetition with its last
day becomes an RRULE.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vieasso.common.messages.agenda import EventContent
from vieasso.common.messages.base import FieldError

FormValues = dict[str, str | list[str]]
MULTI = ("themes", "audience", "accessibility")
_SIMPLE_RULE = re.compile(r"^FREQ=(WEEKLY|MONTHLY);UNTIL=(\d{8})(T\d{6}Z)?$")
_REF = re.compile(r"^[a-z0-9]{4,12}$")
_LOCAL = "%Y-%m-%dT%H:%M"
_POSTER = ("image_id", "image_alt", "image_credits")
_FIELD_OF = {
    "place": "place_name",
    "place.name": "place_name",
    "place.address": "place_address",
    "place.postal_code": "place_postal_code",
    "rrule": "repeat_until",
    "exdates": "repeat_until",
    "timezone": "start",
    "event_id": "title",
    "association": "__all__",
    "image_id": "affiche",
}


def new_ref() -> str:
    """A random suffix given to a new event's form: sending it twice updates one event."""
    return secrets.token_hex(3)


def new_event_id(values: FormValues, ref: str | None) -> str:
    ref = ref if ref is not None and _REF.match(ref) else new_ref()
    folded = unicodedata.normalize("NFKD", _text(values, "title").lower())
    words = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    return f"{words[:60].rstrip('-') or 'evenement'}-{ref}"


def read_form(items: list[tuple[str, Any]]) -> FormValues:
    """The submitted fields (repeated names kept as lists); files are ignored."""
    values: FormValues = {name: [] for name in MULTI}
    for name, value in items:
        if not isinstance(value, str):
            continue
        current = values.get(name)
        if isinstance(current, list):
            current.append(value)
        else:
            values[name] = value
    return values


def _text(values: FormValues, name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _list(values: FormValues, name: str) -> list[str]:
    value = values.get(name, [])
    return value if isinstance(value, list) else [value]


def _local(text: str, tz: ZoneInfo) -> str:
    """`2026-03-14T14:00` typed in Paris → ISO with its offset; anything else as typed."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).isoformat()


def _until(text: str, all_day: bool, tz: ZoneInfo) -> str:
    try:
        last = date.fromisoformat(text)
    except ValueError:
        return text
    if all_day:
        return last.strftime("%Y%m%d")
    end_of_day = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz) - timedelta(
        seconds=1
    )
    return end_of_day.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def to_body(values: FormValues, event_id: str, tz: ZoneInfo) -> dict[str, Any]:
    """The JSON body `POST /api/associations/{slug}/events` would receive; blanks left out."""
    body: dict[str, Any] = {"event_id": event_id}
    for name in ("title", "summary", "description", "price", "venue_id", "online_url"):
        body[name] = _text(values, name)
    for name in ("registration_url", "image_url", *_POSTER, "age_min", "age_max", "status"):
        body[name] = _text(values, name)
    body["attendance_mode"] = _text(values, "attendance_mode")
    all_day = bool(_text(values, "all_day"))
    body["all_day"] = all_day
    if all_day:
        body["start"] = _text(values, "start_day")
        body["end"] = _text(values, "end_day") or body["start"]
    else:
        body["start"] = _local(_text(values, "start"), tz)
        body["end"] = _local(_text(values, "end"), tz)
    repeat = _text(values, "repeat")
    if repeat:
        until = _text(values, "repeat_until")
        body["rrule"] = f"FREQ={repeat}" + (f";UNTIL={_until(until, all_day, tz)}" if until else "")
    else:
        body["rrule"] = _text(values, "rrule")
    exdates = [d for d in _text(values, "exdates").split(",") if d.strip()]
    place = {k: _text(values, f"place_{k}") for k in ("name", "address", "postal_code")}
    if any(place.values()):
        coordinates = {k: _text(values, f"place_{k}") for k in ("lat", "lon")}
        body["place"] = {k: v for k, v in (place | coordinates).items() if v}
    body = {k: v for k, v in body.items() if v != ""}
    if exdates:
        body["exdates"] = exdates
    if _text(values, "timezone"):
        body["timezone"] = _text(values, "timezone")
    body["themes"] = _list(values, "themes")
    if audience := _list(values, "audience"):
        body["audience"] = audience
    body["accessibility"] = dict.fromkeys(_list(values, "accessibility"), True)
    body["free"] = bool(_text(values, "free"))
    return body


def from_content(content: EventContent, tz: ZoneInfo) -> FormValues:
    """The form of an existing event, as the association would have typed it."""
    data = content.model_dump(mode="json", exclude_none=True)
    values: FormValues = {
        k: str(data[k])
        for k in ("title", "summary", "description", "price", "venue_id", "online_url")
        if k in data
    }
    for k in (
        "registration_url",
        "image_url",
        *_POSTER,
        "age_min",
        "age_max",
        "status",
        "timezone",
    ):
        if k in data:
            values[k] = str(data[k])
    values["attendance_mode"] = content.attendance_mode.value
    start, end = content.start, content.end
    if isinstance(start, datetime) and isinstance(end, datetime):
        values["start"] = start.astimezone(tz).strftime(_LOCAL)
        values["end"] = end.astimezone(tz).strftime(_LOCAL)
    else:
        values["all_day"] = "on"
        values["start_day"], values["end_day"] = str(start)[:10], str(end)[:10]
    if content.rrule:
        simple = _SIMPLE_RULE.match(content.rrule.removeprefix("RRULE:"))
        if simple is None:
            values["rrule"] = content.rrule
        else:
            values["repeat"] = simple.group(1)
            values["repeat_until"] = _rule_day(simple.group(2), simple.group(3), tz)
    if data.get("exdates"):
        values["exdates"] = ",".join(str(d) for d in data["exdates"])
    if content.place is not None:
        for k, v in content.place.model_dump(exclude_none=True).items():
            values[f"place_{k}"] = str(v)
    values["themes"] = list(content.themes)
    values["audience"] = [a.value for a in content.audience]
    values["accessibility"] = [k for k, v in content.accessibility.model_dump().items() if v]
    if content.free:
        values["free"] = "on"
    return values


def _rule_day(day: str, clock: str | None, tz: ZoneInfo) -> str:
    if not clock:
        return f"{day[:4]}-{day[4:6]}-{day[6:]}"
    return datetime.strptime(day + clock, "%Y%m%dT%H%M%S%z").astimezone(tz).date().isoformat()


def errors_by_field(errors: list[FieldError], values: FormValues) -> dict[str, str]:
    """The API's French reasons, keyed by the form field they are shown next to."""
    all_day = bool(_text(values, "all_day"))
    shown: dict[str, str] = {}
    for error in errors:
        head = error.field.split(".")[0]
        name = _FIELD_OF.get(error.field) or _FIELD_OF.get(head) or head
        if all_day and name in ("start", "end"):
            name += "_day"
        shown[name] = f"{shown[name]} {error.message}" if name in shown else error.message
    return shown
