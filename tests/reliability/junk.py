"""Hostile bodies for `agenda.submissions.<slug>` (hypothesis strategies)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

NASTY_TEXT = [
    "<script>alert('x')</script>",
    "</script><script>alert(1)</script>",
    "Titre\r\nBCC: victime@example.org",
    "Titre\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:piège",
    "]]><item><title>injecté</title></item>",
    "Titre\x00\x07\x1b[31m",
    "\u202etxet\u202c",
    "{{ 7*7 }} {% raw %}",
    "x" * 200_000,
]
ABSURD_DATES: list[Any] = [
    "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+14:00", "2026-02-30T10:00:00+01:00",
    "2026-03-14T14:00:00", "2026-03-14", "demain", "", 0, -1e30, None, [], {},
    "2026-03-14T25:61:00+01:00", "1970-01-01T00:00:00+23:59",
]  # fmt: skip
RRULES: list[Any] = [
    "FREQ=SECONDLY", "FREQ=DAILY", "FREQ=MINUTELY;INTERVAL=1;COUNT=1000000000",
    "FREQ=YEARLY;UNTIL=99991231T000000Z", "FREQ=DAILY;COUNT=0", "FREQ=DAILY;UNTIL=garbage",
    "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=5\r\nX-INJECT:1", "RRULE:FREQ=DAILY;COUNT=3", 42,
    "FREQ=HOURLY;COUNT=100000",
]  # fmt: skip
URLS = ["javascript:alert(1)", "http://", "ftp://x", "https://exemple.fr/\r\nx", "x" * 5000]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
    ),
    max_leaves=15,
)


def base(slug: str) -> dict[str, Any]:
    return {
        "association": slug,
        "event_id": "fz",
        "title": "Atelier",
        "start": "2027-03-14T14:00:00+01:00",
        "end": "2027-03-14T18:00:00+01:00",
        "place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"},
    }


def near_valid(slug: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid submission with some fields replaced by hostile values."""
    changes = st.fixed_dictionaries(
        {},
        optional={
            "title": st.sampled_from(NASTY_TEXT) | st.text(),
            "summary": st.sampled_from(NASTY_TEXT),
            "description": st.sampled_from(NASTY_TEXT) | st.just("d" * 10_001),
            "start": st.sampled_from(ABSURD_DATES),
            "end": st.sampled_from(ABSURD_DATES),
            "rrule": st.sampled_from(RRULES),
            "exdates": st.lists(st.sampled_from(ABSURD_DATES), max_size=3),
            "all_day": json_values,
            "online_url": st.sampled_from(URLS),
            "registration_url": st.sampled_from(URLS),
            "price": st.sampled_from(NASTY_TEXT),
            "place": json_values | st.just({"name": "<b>x</b>", "address": "\r\n", "lat": 999}),
            "themes": json_values,
            "age_min": json_values,
            "status": json_values,
            "association": st.sampled_from(["autre-asso", "", "../x", 7]),
            "extra_field": json_values,
        },
    )
    return changes.map(lambda c: {**base(slug), **c})


def bodies(slug: str) -> st.SearchStrategy[bytes]:
    as_json = near_valid(slug).map(lambda v: json.dumps(v).encode())
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        as_json.map(lambda b: b[: max(1, len(b) // 2)]),  # cut in the middle
        as_json,
        as_json,
    )


def batch_bodies(edition_id: str) -> st.SearchStrategy[bytes]:
    """Hostile bodies for `deliveries.newsletter.<edition_id>`; a well-formed batch of an
    edition that does not exist is among them (it can never be sent either)."""
    delivery = st.fixed_dictionaries(
        {"subscriber_id": st.sampled_from(["abc123", "", "A B", "x" * 100, 5]) | json_values,
         "items": st.lists(st.integers(min_value=-5, max_value=10**12), max_size=5) | json_values},
    )  # fmt: skip
    batch = st.fixed_dictionaries(
        {"edition_id": st.sampled_from([edition_id, "", "../x", 12]) | json_values,
         "deliveries": st.lists(delivery, max_size=3) | json_values},
        optional={"message_id": st.sampled_from(["not-a-uuid", 7]), "extra": json_values},
    )  # fmt: skip
    as_json = batch.map(lambda v: json.dumps(v).encode())
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        as_json.map(lambda b: b[: max(1, len(b) // 2)]),
        as_json,
        st.just(json.dumps({"edition_id": edition_id, "deliveries": [
            {"subscriber_id": "abc123", "items": [0]}]}).encode()),
    )  # fmt: skip
