"""Reading the ressources' annonce facts in another service (`vieasso.common.entraide`):
any message either changes the open annonces as its fact says or is refused with a reason
(the dead letter's), never anything else; a forged subject is refused."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from vieasso.common.entraide import FactRefused, KindCount, OpenAnnonces, read_annonce_fact
from vieasso.common.messages.annonces import (
    AnnonceChange,
    AnnonceDirection,
    AnnonceFact,
    AnnonceKind,
    AnnoncePublic,
)


def fact(annonce_id: str, change: AnnonceChange, kind: AnnonceKind = AnnonceKind.LOCAL) -> bytes:
    annonce = AnnoncePublic(
        id=annonce_id,
        association_slug="asso-a",
        direction=AnnonceDirection.BESOIN,
        kind=kind,
        title="Une salle pour répéter",
        description="Le mardi soir.",
        expires_on=date(2026, 6, 1),
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    return AnnonceFact(annonce=annonce, change=change).model_dump_json().encode()


def test_published_opens_closed_and_hidden_remove_twice_is_harmless() -> None:
    open_ = OpenAnnonces()
    for _ in range(2):
        open_.take("ressources.annonces.asso-a.published", fact("a1", AnnonceChange.PUBLISHED))
        open_.take("ressources.annonces.asso-a.published", fact("a2", AnnonceChange.PUBLISHED))
    assert open_.counts() == (KindCount(AnnonceKind.LOCAL, 0, 2),)
    open_.take("ressources.annonces.asso-a.closed", fact("a1", AnnonceChange.CLOSED))
    open_.take("ressources.annonces.asso-a.hidden", fact("a2", AnnonceChange.HIDDEN))
    assert open_.counts() == ()


@pytest.mark.parametrize(
    "subject",
    [
        "ressources.annonces.asso-b.published",  # the body is asso-a's
        "ressources.annonces.asso-a.closed",  # the body says published
        "ressources.annonces.asso-a.deleted",
    ],
)
def test_a_forged_subject_is_refused(subject: str) -> None:
    with pytest.raises(FactRefused):
        read_annonce_fact(subject, fact("a1", AnnonceChange.PUBLISHED))


@given(
    change=st.sampled_from(["published", "closed", "hidden", "letter", "x"]),
    body=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4).map(
            lambda d: json.dumps(d).encode()
        ),
        st.just(json.dumps({"annonce": {"id": "a1"}, "change": "published"}).encode()),
    ),
)
def test_any_message_is_applied_or_refused_with_a_reason(change: str, body: bytes) -> None:
    open_ = OpenAnnonces()
    with contextlib.suppress(ValidationError, FactRefused):
        open_.take(f"ressources.annonces.asso-a.{change}", body)
    assert all(c.offres >= 0 and c.besoins >= 0 for c in open_.counts())
