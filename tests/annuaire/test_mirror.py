"""The in-memory mirror of a bucket: revisions never go backwards, own writes parsed once."""

from __future__ import annotations

from nats.js.kv import KeyValue

from vieasso.annuaire.adapters.mirror import Mirror, model_parser
from vieasso.common.reference.models import Quartier

BATTANT = Quartier(code="battant", label="Battant")
RENAMED = Quartier(code="battant", label="Battant (rive droite)")


def entry(value: Quartier, revision: int) -> KeyValue.Entry:
    data = value.model_dump_json().encode()
    return KeyValue.Entry("b", "battant", data, revision, None, None, None)


def test_an_older_revision_never_replaces_a_newer_one() -> None:
    mirror = Mirror("b", model_parser(Quartier))
    mirror.apply("battant", RENAMED, 5)
    mirror._entry(entry(BATTANT, 4))
    assert mirror.items["battant"].value == RENAMED


def test_an_own_write_seen_by_the_watch_is_applied_by_its_writer() -> None:
    mirror = Mirror("b", model_parser(Quartier))
    mirror.expect("battant", BATTANT.model_dump_json().encode())
    mirror._entry(entry(BATTANT, 1))
    assert "battant" not in mirror.items  # not parsed twice
    mirror.written("battant", BATTANT, 1)
    assert mirror.items["battant"].revision == 1


def test_an_own_write_stored_but_unanswered_is_still_applied() -> None:
    mirror = Mirror("b", model_parser(Quartier))
    mirror.expect("battant", BATTANT.model_dump_json().encode())
    mirror._entry(entry(BATTANT, 3))
    mirror.failed("battant")
    assert mirror.items["battant"].value == BATTANT
    assert mirror.items["battant"].revision == 3


def test_records_share_one_fields_set() -> None:
    parse = model_parser(Quartier)
    a = parse("a", BATTANT.model_dump_json().encode())
    b = parse("b", RENAMED.model_dump_json().encode())
    assert a is not None
    assert b is not None
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    changed = a.model_copy(update={"label": "X"})
    assert changed.label == "X"
    assert b.__pydantic_fields_set__ == set(Quartier.model_fields)
