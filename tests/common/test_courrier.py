"""The mail request contract: checked where it is made, idempotent by key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from vieasso.common.courrier import build_request, request_id, request_mail
from vieasso.common.messages.base import Message
from vieasso.common.messages.courrier import (
    PARAMS,
    CourrierRequest,
    Template,
    ToAssociation,
    ToCity,
    check_params,
)
from vieasso.common.subjects import courrier_outcome, courrier_request

TO = ToAssociation(association="les-amis-de-battant")


def test_every_template_has_a_parameters_model() -> None:
    assert set(PARAMS) == set(Template)


def test_a_request_carries_checked_parameters_and_an_id_derived_from_its_key() -> None:
    until = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    params = {"link": "https://asso.example/l/abc", "valid_until": until}
    first = build_request(
        "annuaire", key="validation.x", to=TO, template=Template.BIENVENUE, params=params
    )
    again = build_request(
        "annuaire", key="validation.x", to=TO, template=Template.BIENVENUE, params=params
    )

    assert first.message_id == again.message_id == request_id("annuaire", "validation.x")
    assert request_id("agenda", "validation.x") != first.message_id
    assert first.params == {
        "link": "https://asso.example/l/abc",
        "valid_until": "2026-12-14T08:00:00Z",
    }
    assert CourrierRequest.model_validate_json(first.model_dump_json()) == first


def test_bad_parameters_are_refused_before_publishing() -> None:
    with pytest.raises(ValidationError):
        check_params(Template.CONNEXION, {"link": "javascript:alert(1)", "valid_minutes": 15})
    with pytest.raises(ValidationError):
        check_params(Template.JETON_EMIS, {"by": "ville", "extra": 1})
    with pytest.raises(ValueError, match="unknown mail template"):
        check_params("inconnu", {})


def test_a_request_names_exactly_one_kind_of_recipient() -> None:
    data = {"key": "k", "template": "connexion", "params": {}}
    assert CourrierRequest.model_validate({**data, "to": {"city": "vie-associative"}}).to == ToCity(
        city="vie-associative"
    )
    with pytest.raises(ValidationError):
        CourrierRequest.model_validate({**data, "to": {"email": "someone@example.org"}})
    with pytest.raises(ValidationError):
        CourrierRequest.model_validate(
            {**data, "to": {"association": "x", "city": "vie-associative"}}
        )


def test_keys_are_safe_ledger_keys() -> None:
    base = {"to": {"city": "vie-associative"}, "template": "connexion"}
    for bad in ("", "a b", "a..b", ".a", "a.", "a*", "a>b", "x" * 201):
        with pytest.raises(ValidationError):
            CourrierRequest.model_validate({**base, "key": bad})


async def test_request_mail_publishes_on_the_services_own_subject() -> None:
    published: list[tuple[str, Message]] = []

    async def publish(subject: str, message: Message) -> None:
        published.append((subject, message))

    await request_mail(
        publish,
        "agenda",
        key="masque.fete",
        to=TO,
        template=Template.EVENEMENT_MASQUE,
        params={"event_title": "Fête", "reason": "Doublon."},
    )

    assert [s for s, _ in published] == [courrier_request("agenda")]
    assert courrier_request("agenda") == "courrier.requests.agenda"
    assert courrier_outcome("agenda", sent=False) == "courrier.failed.agenda"
