"""Subject builders (SPEC §3) and the stream that stores each subject."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vieasso.common import subjects
from vieasso.common.nats.catalogue import STREAMS, stream_for
from vieasso.common.subjects import (
    AssociationChange,
    EditionChange,
    EventChange,
    MissionChange,
    VenueChange,
)

UNSAFE_TOKENS = [
    "a.b",
    "les amis",
    "*",
    ">",
    "a>",
    "",
    "tab\there",
    "new\nline",
    "amis\n",
    "amis\r\n",
]

BUILDERS: list[Callable[[str], str]] = [
    lambda t: subjects.association(t, AssociationChange.VALIDATED),
    lambda t: subjects.mission(t, MissionChange.PUBLISHED),
    lambda t: subjects.venue(t, VenueChange.UPSERTED),
    subjects.submission,
    lambda t: subjects.event(t, EventChange.CANCELLED),
    subjects.rejection,
    lambda t: subjects.edition(t, EditionChange.BUILT),
    subjects.delivery,
    lambda t: subjects.deadletter(t, "agenda.submissions.x"),
]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (
            subjects.association("amis", AssociationChange.REGISTERED),
            "annuaire.associations.amis.registered",
        ),
        (subjects.mission("m-1", MissionChange.CLOSED), "annuaire.missions.m-1.closed"),
        (subjects.venue("kursaal", VenueChange.ARCHIVED), "annuaire.venues.kursaal.archived"),
        (subjects.submission("amis"), "agenda.submissions.amis"),
        (subjects.event("amis", EventChange.UPDATED), "agenda.events.amis.updated"),
        (subjects.rejection("amis"), "agenda.rejections.amis"),
        (subjects.edition("2026-w20", EditionChange.SENT), "newsletter.editions.2026-w20.sent"),
        (
            subjects.deadletter("agenda", "agenda.submissions.amis"),
            "deadletter.agenda.agenda.submissions.amis",
        ),
    ],
)  # fmt: skip
def test_builders_write_the_subjects_of_the_contract(subject: str, expected: str) -> None:
    assert subject == expected


@pytest.mark.parametrize("token", UNSAFE_TOKENS)
@pytest.mark.parametrize("build", BUILDERS)
def test_builders_refuse_tokens_that_would_change_the_subject(
    build: Callable[[str], str], token: str
) -> None:
    with pytest.raises(ValueError, match="not a safe NATS subject token"):
        build(token)


@pytest.mark.parametrize(
    ("subject", "stream"),
    [
        *[(subjects.association("a", c), "ANNUAIRE") for c in AssociationChange],
        *[(subjects.mission("m", c), "ANNUAIRE") for c in MissionChange],
        *[(subjects.venue("v", c), "ANNUAIRE") for c in VenueChange],
        (subjects.submission("a"), "AGENDA"),
        *[(subjects.event("a", c), "AGENDA") for c in EventChange],
        (subjects.rejection("a"), "AGENDA"),
        *[(subjects.edition("e", c), "NEWSLETTER") for c in EditionChange],
        *[(subjects.departure("abc123", d), "NEWSLETTER") for d in subjects.Departure],
        (subjects.deadletter("agenda", subjects.submission("a")), "DEADLETTER"),
        (subjects.delivery("e"), "NEWSLETTER_DELIVERIES"),
    ],
)
def test_every_contract_subject_is_stored_by_its_stream(subject: str, stream: str) -> None:
    assert stream_for(subject) == stream


@pytest.mark.parametrize(
    "subject", ["annuaire", "agenda", "nowhere.at.all", "deliveries.newsletter", "annuaires.x"]
)
def test_a_subject_no_stream_stores_raises(subject: str) -> None:
    with pytest.raises(LookupError, match="no stream stores subject"):
        stream_for(subject)


def test_no_two_streams_claim_the_same_subject() -> None:
    for spec in STREAMS:
        for pattern in spec.subjects:
            sample = pattern.replace(">", "x.y").replace("*", "x")
            assert stream_for(sample) == spec.name


def test_slug_of_reads_the_token_of_a_subject() -> None:
    assert subjects.slug_of(subjects.submission("les-amis")) == "les-amis"
    assert subjects.slug_of(subjects.event("amis", EventChange.UPDATED)) == "amis"
    with pytest.raises(ValueError, match="no token at position 2"):
        subjects.slug_of("agenda.submissions")
