"""The message contract: every fact survives JSON, every message has a JSON Schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vieasso.common import messages as m
from vieasso.common.docs import message_models, write_schemas
from vieasso.common.messages import agenda, annuaire, courrier, newsletter
from vieasso.common.reference import load_venues
from vieasso.common.subjects import Departure

NOW = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


def _association() -> m.AssociationPublic:
    return m.AssociationPublic(
        slug="les-amis-de-battant",
        name="Les Amis de Battant",
        purpose="Animer le quartier Battant.\nFêtes, entraide, vide-greniers.",
        rna_id="W251234567",
        themes=("culture", "vie-de-quartier"),
        quartier="battant",
        address={"street": "12 rue Battant", "postal_code": "25000"},
        email="contact@amis-de-battant.example",
        website="https://amis-de-battant.example/",
        social_links=("https://social.example/@battant",),
        founded_on=date(1987, 3, 1),
        state=annuaire.AssociationState.VALIDATED,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW,
        validated_at=NOW,
    )


def _mission() -> m.MissionPublic:
    return m.MissionPublic(
        id="tenir-la-buvette",
        association_slug="les-amis-de-battant",
        title="Tenir la buvette de la fête de quartier",
        description="Deux heures à la buvette, le samedi.",
        themes=("vie-de-quartier",),
        venue_id="promenade-chamars",
        kind=annuaire.MissionKind.PONCTUELLE,
        starts_on=date(2026, 6, 20),
        ends_on=date(2026, 6, 20),
        skills=("accueil", "caisse"),
        places_available=4,
        how_to_apply="Écrire à l'association.",
        state=annuaire.MissionState.OPEN,
        published_at=NOW,
        updated_at=NOW,
    )


def _content(**changes: object) -> agenda.EventContent:
    fields: dict[str, object] = {
        "title": "Fête de Battant",
        "summary": "Musique et buvette",
        "description": "Toute la journée.\n\n**Entrée libre.**",
        "start": datetime(2026, 6, 20, 10, 0, tzinfo=UTC),
        "end": datetime(2026, 6, 20, 18, 0, tzinfo=UTC),
        "rrule": "FREQ=YEARLY;COUNT=2",
        "venue_id": "promenade-chamars",
        "themes": ("culture",),
        "audience": (agenda.Audience.FAMILLES,),
        "free": True,
        "registration_url": "https://amis-de-battant.example/fete",
        "accessibility": {"motor": True},
    }
    return agenda.EventContent.model_validate(fields | changes)


def _event(content: agenda.EventContent) -> m.CanonicalEvent:
    return m.CanonicalEvent(
        uid="les-amis-de-battant.fete-2026@vie-associative.besancon.fr",
        sequence=2,
        association="les-amis-de-battant",
        association_name="Les Amis de Battant",
        event_id="fete-2026",
        content=content,
        location=agenda.ResolvedLocation(
            venue=load_venues()[0], quartier="centre-chapelle-des-buis"
        ),
        url="https://vie-associative.besancon.fr/agenda/les-amis-de-battant/fete-2026",
        created_at=NOW,
        last_modified=NOW,
    )


def _facts() -> list[m.Message]:
    association, mission, venue = _association(), _mission(), load_venues()[0]
    event = _event(_content())
    all_day = _event(_content(all_day=True, start=date(2026, 6, 20), end=date(2026, 6, 21)))
    reason = m.FieldError(field="start", message="Ce champ est obligatoire.", code="missing")
    return [
        m.AssociationRegistered(association=association),
        m.AssociationUpdated(association=association),
        m.AssociationValidated(association=association),
        m.AssociationArchived(association=association),
        m.MissionPublished(mission=mission),
        m.MissionUpdated(mission=mission),
        m.MissionClosed(mission=mission),
        m.VenueUpserted(venue=venue),
        m.VenueArchived(venue=venue),
        m.EventSubmission(
            association="les-amis-de-battant",
            event_id="fete-2026",
            **_content().model_dump(),
        ),
        m.EventPublished(event=event),
        m.EventUpdated(event=all_day),
        m.EventCancelled(event=event),
        m.EventRejected(association="les-amis-de-battant", event_id="x", reasons=(reason,)),
        m.EditionBuilt(
            edition_id="2026-w20",
            frequency=newsletter.Frequency.HEBDOMADAIRE,
            period_start=NOW,
            period_end=NOW + timedelta(days=7),
            recipients=120,
            associations=3,
            missions=2,
            events=14,
        ),
        m.EditionSent(edition_id="2026-w20", delivered=118, bounced=1, failed=1),
        newsletter.SubscriberLeft(
            subscriber_id="3f9a0c1d2e4b5a6978c0d1e2",
            departure=Departure.ERASED,
            generation=2,
        ),
        m.CourrierRequest(
            key="validation.les-amis-de-battant",
            to=courrier.ToAssociation(association="les-amis-de-battant"),
            template="bienvenue",
            params={"link": "https://example.org/x", "valid_until": NOW.isoformat()},
        ),
        m.CourrierSent(
            key="validation.les-amis-de-battant",
            to=courrier.ToCity(city="vie-associative"),
            template="bienvenue",
        ),
        m.CourrierFailed(
            key="validation.les-amis-de-battant",
            to=courrier.ToAssociation(association="les-amis-de-battant"),
            template="bienvenue",
            reason="550 5.1.1 mailbox unknown",
            undeliverable=True,
        ),
        m.LetterChoice(
            association="les-amis-de-battant",
            subscribed=False,
            source="espace-association",
            form_version="2026-12",
        ),
        *(
            kind(
                announcement_id="5f2c0a9e1b3d4c6a",
                screen_id="hall-de-la-mairie",
                association="les-amis-de-battant",
                event_id="fete-2026",
                first_day=date(2026, 6, 1),
                last_day=date(2026, 6, 20),
            )
            for kind in (m.AnnouncementApproved, m.AnnouncementWithdrawn)
        ),
        m.DeadLetter(
            service="agenda",
            original_subject="agenda.submissions.x",
            error="invalid JSON",
            payload="{not json",
            headers={"Nats-Msg-Id": "abc"},
        ),
    ]


def test_one_instance_of_every_concrete_message_is_covered() -> None:
    covered = {type(fact).__name__ for fact in _facts()}
    concrete_messages = {
        name
        for name, model in message_models().items()
        if issubclass(model, m.Message) and model is not m.Message and not name.endswith("Fact")
    }

    assert covered == concrete_messages


@pytest.mark.parametrize("fact", _facts(), ids=lambda fact: type(fact).__name__)
def test_every_fact_survives_a_json_round_trip(fact: m.Message) -> None:
    again = type(fact).model_validate_json(fact.model_dump_json())

    assert again == fact


def test_an_all_day_event_keeps_dates_through_json() -> None:
    content = _content(all_day=True, start=date(2026, 6, 20), end=date(2026, 6, 21))

    again = agenda.EventContent.model_validate_json(content.model_dump_json())

    assert type(again.start) is date
    assert again.end == date(2026, 6, 21)


def test_facts_carry_identity_time_and_schema_version() -> None:
    body = json.loads(
        m.EditionSent(edition_id="e", delivered=0, bounced=0, failed=0).model_dump_json()
    )

    assert set(body) >= {"message_id", "occurred_at", "schema_version"}
    assert body["schema_version"] == 1
    assert body["occurred_at"].endswith("Z")


def test_readers_ignore_fields_they_do_not_know() -> None:
    body = json.loads(m.VenueUpserted(venue=load_venues()[0]).model_dump_json())
    body["added_in_v1_1"] = "ignored"
    body["venue"]["added_too"] = 1

    assert m.VenueUpserted.model_validate(body).venue == load_venues()[0]


def test_write_schemas_writes_one_schema_per_message(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "schemas")

    names = sorted(path.name for path in written)
    assert names == sorted(f"{name}.schema.json" for name in message_models())
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == names
    for path in written:
        schema = json.loads(path.read_text(encoding="utf-8"))
        name = path.name.removesuffix(".schema.json")
        assert schema["title"] == name
        assert schema["$id"].endswith(f"/v1/{name}.schema.json")
        assert schema["type"] == "object"
    submission = json.loads((tmp_path / "schemas" / "EventSubmission.schema.json").read_text())
    assert {"event_id", "title", "start", "end"} <= set(submission["required"])
