"""Hostile bodies for `agenda.submissions.<slug>` (hypothesis strategies)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from vieasso.common.messages.courrier import Template

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
# Rules that froze (INTERVAL=0; BYxxx parts that match nothing, searched until 9999) or
# crashed (IndexError, OverflowError, bare ValueError) the agenda before issue 12.
PATHOLOGICAL_RRULES = [
    "FREQ=DAILY;INTERVAL=0;UNTIL=20271231T000000Z", "FREQ=DAILY;INTERVAL=-1;COUNT=3",
    "FREQ=WEEKLY;INTERVAL=99999999999999999999;COUNT=2",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20271231T000000Z",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=10;COUNT=3",
    "FREQ=YEARLY;BYSETPOS=400;COUNT=2", "FREQ=WEEKLY;BYWEEKNO=60;COUNT=2",
    "FREQ=WEEKLY;BYYEARDAY=400;COUNT=2", "FREQ=DAILY;COUNT=1000000",
    "FREQ=DAILY;COUNT=99999999999999999999999", "FREQ=DAILY;UNTIL=20200101T000000Z",
    "FREQ=YEARLY;BYEASTER=400;COUNT=2", "FREQ=MONTHLY;BYDAY=+53MO;COUNT=2",
    "FREQ=DAILY;UNTIL=99999999999999999999T000000Z", "FREQ=DAILY;COUNT=2;BYDAY=MO(+1)",
    "FREQ=DAILY;COUNT=2;;", "FREQ=DAILY;=;COUNT=2", "FREQ=DAILY;COUNT=2;COUNT=3",
]  # fmt: skip
_BY_PARTS = ["BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYHOUR", "BYEASTER"]
_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU", "XX", ""]


def rrule_texts() -> st.SearchStrategy[str]:
    """Generated RRULEs, most of them absurd: any INTERVAL, huge or negative COUNT, UNTIL
    before the start or past 9999, BYxxx combinations that match nothing, malformed parts."""
    number = (
        st.integers(-31, 60)
        | st.integers(-400, 400)
        | st.sampled_from([0, 366, 10**6, 10**20, -(10**20)])
    )
    values = st.lists(number, min_size=1, max_size=3).map(lambda v: ",".join(map(str, v)))
    days = st.lists(
        st.tuples(st.sampled_from(["", "1", "-1", "5", "+60", "0"]), st.sampled_from(_DAYS)),
        min_size=1, max_size=3,
    ).map(lambda v: ",".join(n + d for n, d in v))  # fmt: skip
    until = st.sampled_from(
        ["20200101T000000Z", "20271231T000000Z", "20281231", "99991231T235959Z", "2027", "x"]
    )
    ending = st.one_of(
        number.map(lambda n: f"COUNT={n}"), until.map(lambda u: f"UNTIL={u}"), st.just("")
    )
    parts = st.tuples(
        st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "daily", ""]),
        number.map(lambda n: f"INTERVAL={n}") | st.just(""),
        ending,
        st.dictionaries(st.sampled_from(_BY_PARTS), values, max_size=3),
        days.map(lambda d: f"BYDAY={d}") | st.just(""),
        st.sampled_from(["", "WKST=MO", "X-NAME=1", ";", "=", "COUNT=2", "BYMONTH"]),
    )
    return parts.map(_rule_text)


def _rule_text(parts: tuple[str, str, str, dict[str, str], str, str]) -> str:
    freq, interval, ending, by, byday, extra = parts
    pieces = [f"FREQ={freq}", interval, ending, *(f"{k}={v}" for k, v in by.items()), byday]
    return ";".join(p for p in (*pieces, extra) if p)


# Ordinary rules, so that accepted ones reach the store, the feeds and the listings too.
ORDINARY_RRULES = [
    "FREQ=MONTHLY;BYDAY=2TU;COUNT=6", "freq=weekly;count=3", "FREQ=DAILY;COUNT=1000",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20280101T000000Z",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20281231T000000Z",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=MO;COUNT=20",
]  # fmt: skip


def rrules() -> st.SearchStrategy[Any]:
    listed = st.sampled_from(RRULES + PATHOLOGICAL_RRULES + ORDINARY_RRULES)
    return listed | rrule_texts()


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
            "rrule": rrules(),
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
    recurring = rrules().map(lambda r: json.dumps({**base(slug), "rrule": r}).encode())
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        as_json.map(lambda b: b[: max(1, len(b) // 2)]),  # cut in the middle
        as_json,
        as_json,
        recurring,  # a valid event but for its recurrence rule
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


def courrier_bodies() -> st.SearchStrategy[bytes]:
    """Hostile bodies for `courrier.requests.<service>`: none can ever be sent (the
    associations and the city team they name do not exist), each must be dead-lettered."""
    text = st.sampled_from([t for t in NASTY_TEXT if len(t) < 1000]) | json_values
    line = st.fixed_dictionaries(
        {"label": text, "quantity": st.integers(-1, 10**6) | json_values},
        optional={"requested": st.integers(0, 3), "granted": st.integers(-1, 3)},
    )  # fmt: skip
    lines = st.lists(line, max_size=60)
    request = st.fixed_dictionaries(
        {"key": st.sampled_from(["fz", "a..b", "", "k" * 300, "clé\r\nX: y"]) | text,
         "to": st.sampled_from([{"association": "inconnue-fz"}, {"city": "voirie"},
                                {"association": "A B"}, {}, {"association": "a", "city": "b"}])
               | json_values,
         "template": st.sampled_from([*Template, "inconnu", "", "../x"]) | json_values,
         "params": st.dictionaries(
             st.sampled_from(["link", "valid_until", "reason", "by", "event_title", "lines",
                              "starts_on", "ends_on", "decision", "place", "contact"]),
             text | lines | st.sampled_from(["ville", "https://exemple.fr/x", 15, "2027-06-12",
                                             "accordee", "retrait"]), max_size=4,
         ) | json_values},
        optional={"message_id": st.sampled_from(["not-a-uuid", 7]), "extra": json_values},
    )  # fmt: skip
    as_json = request.map(lambda v: json.dumps(v).encode())
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        as_json.map(lambda b: b[: max(1, len(b) // 2)]),
        as_json,
        as_json,
    )
