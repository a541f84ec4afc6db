"""The courrier's rules, without NATS or SMTP: refusals, keys, what an outcome may say."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from vieasso.common.directory import AssociationContact
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import CourrierFailed, Template, ToAssociation
from vieasso.newsletter.domain import courrier as rules

KV_KEY = re.compile(r"^[-/_=.a-zA-Z0-9]+$")  # nats-py's rule for KV keys


ADDRESS = "camille@amis.example"


def contact(state: AssociationState, email: str | None = ADDRESS) -> AssociationContact:
    return AssociationContact.model_validate({
        "slug": "les-amis", "name": "Les Amis", "state": state,
        "validated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "private_contact": {"name": "Camille", "email": email} if email else None,
    })  # fmt: skip


def test_an_archived_association_gets_only_the_refusal_of_its_registration() -> None:
    archived = contact(AssociationState.ARCHIVED)
    with pytest.raises(rules.Refused, match="is archived"):
        rules.check_association("les-amis", archived, Template.JETON_EMIS)
    assert rules.check_association("les-amis", archived, Template.INSCRIPTION_REFUSEE) == (
        "Les Amis",
        "camille@amis.example",
    )
    with pytest.raises(rules.Refused, match="no private contact"):
        rules.check_association(
            "les-amis", contact(AssociationState.PENDING, None), Template.BIENVENUE
        )
    with pytest.raises(rules.Refused, match="unknown association 'x'"):
        rules.check_association("x", None, Template.BIENVENUE)


def test_bad_parameters_are_refused_with_each_field_named() -> None:
    with pytest.raises(rules.Refused, match=r"link: .*valid_minutes: "):
        rules.params_of(Template.CONNEXION, {"link": "ftp://x", "valid_minutes": 0})
    with pytest.raises(rules.Refused, match="unknown template 'lettre'"):
        rules.template_of("lettre")


def test_ledger_keys_are_valid_kv_keys_and_message_ids_follow_them() -> None:
    key = rules.ledger_key("annuaire", "validation.les-amis_2")
    assert key == "courrier.annuaire.validation.les-amis_2"
    assert KV_KEY.fullmatch(key)
    assert rules.message_id("annuaire", "k.1", "exemple.fr") == "courrier.annuaire.k.1@exemple.fr"
    sent = rules.outcome_id("annuaire", "k", sent=True)
    assert sent == rules.outcome_id("annuaire", "k", sent=True)
    assert sent != rules.outcome_id("annuaire", "k", sent=False)
    assert sent != rules.outcome_id("agenda", "k", sent=True)


def test_smtp_answers_lose_any_address_and_hashes_ignore_case() -> None:
    answer = "550 5.1.1 <Camille@Amis.example>: Recipient address rejected\r\n(camille@amis.fr)"
    assert rules.scrubbed(answer) == ("550 5.1.1 <adresse>: Recipient address rejected (<adresse>)")
    assert len(rules.scrubbed("x " * 1000)) <= rules.MAX_REASON
    secret = b"s" * 32
    assert rules.address_hash(" Camille@Amis.example", secret) == rules.address_hash(
        "camille@amis.example", secret
    )
    assert rules.address_hash("camille@amis.example", secret) != rules.address_hash(
        "camille@amis.example", b"t" * 32
    )
    assert "camille" not in rules.address_hash("camille@amis.example", secret)


@pytest.mark.parametrize("hostile", ["a\x00b", "\x1b[31m", "x\u2028y", "k\x7f", "\x85"])
def test_a_refusal_quoting_a_hostile_request_is_a_valid_outcome_reason(hostile: str) -> None:
    """A parameter named with control characters is refused, and the refusal's reason
    (which quotes the name) still fits `CourrierFailed.reason`: it was once rejected by the
    outcome's own model, so the request went round 10 deliveries instead of one refusal."""
    with pytest.raises(rules.Refused) as refused:
        rules.params_of(Template.BIENVENUE, {hostile: "x"})
    failed = CourrierFailed(
        message_id=rules.outcome_id("fuzz", "k", sent=False),
        key="k",
        to=ToAssociation(association="amis"),
        template="bienvenue",
        reason=rules.scrubbed(str(refused.value)),
    )
    assert "bad parameters for template 'bienvenue'" in failed.reason
