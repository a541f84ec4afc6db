"""Reading the ressources' entraide facts (``ressources.annonces.<slug>.<change>``) in
another service: the newsletter's letter, the annuaire's home page counts.

`read_annonce_fact` parses one message of ``ressources.annonces.>``; `OpenAnnonces` keeps
the open annonces' kinds from those facts and counts them. The same facts in the same order
give the same counts on every replica: no clock is read (an expired annonce leaves the
counts with the ``closed`` fact the ressources' sweeper publishes, as it leaves `/entraide`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vieasso.common.messages.annonces import (
    AnnonceChange,
    AnnonceDirection,
    AnnonceFact,
    AnnonceKind,
    AnnonceLetterChoice,
)

LETTER = "letter"
_PARTS = 4  # ressources.annonces.<slug>.<change>


class FactRefused(ValueError):
    """A message of ``ressources.annonces.>`` that cannot be taken (its body names another
    association than its subject, or an unknown change)."""


def read_annonce_fact(subject: str, data: bytes) -> AnnonceFact | AnnonceLetterChoice | None:
    """The fact of one message of ``ressources.annonces.>``; None for another subject.

    Raises `pydantic.ValidationError` for a malformed body, `FactRefused` for a body naming
    another association than its subject's or an unknown change.
    """
    parts = subject.split(".")
    if len(parts) != _PARTS or parts[:2] != ["ressources", "annonces"]:
        return None
    slug, change = parts[2], parts[3]
    if change == LETTER:
        choice = AnnonceLetterChoice.model_validate_json(data)
        if choice.association != slug:
            raise FactRefused(f"letter choice of {choice.association!r} under {slug!r}")
        return choice
    if change not in set(AnnonceChange):
        raise FactRefused(f"unknown change {change!r}")
    fact = AnnonceFact.model_validate_json(data)
    if fact.annonce.association_slug != slug or fact.change.value != change:
        raise FactRefused(f"annonce of {fact.annonce.association_slug!r} under {subject!r}")
    return fact


@dataclass(frozen=True)
class KindCount:
    """Open offers and needs of one kind."""

    kind: AnnonceKind
    offres: int
    besoins: int


class OpenAnnonces:
    """The open annonces (id → kind and direction), from their facts: a ``published`` fact
    opens (or updates) one, ``closed`` and ``hidden`` remove it. Applying a fact twice is
    harmless."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[AnnonceKind, AnnonceDirection]] = {}

    def apply(self, fact: AnnonceFact) -> None:
        annonce = fact.annonce
        if fact.change is AnnonceChange.PUBLISHED:
            self._open[annonce.id] = (annonce.kind, annonce.direction)
        else:
            self._open.pop(annonce.id, None)

    def take(self, subject: str, data: bytes) -> None:
        """Apply one message of ``ressources.annonces.>`` (letter choices ignored); raises
        like `read_annonce_fact`."""
        fact = read_annonce_fact(subject, data)
        if isinstance(fact, AnnonceFact):
            self.apply(fact)

    def counts(self) -> tuple[KindCount, ...]:
        """Per kind with at least one open annonce, in the kinds' order."""
        tally = {kind: dict.fromkeys(AnnonceDirection, 0) for kind in AnnonceKind}
        for kind, direction in self._open.values():
            tally[kind][direction] += 1
        return tuple(
            KindCount(kind, per[AnnonceDirection.OFFRE], per[AnnonceDirection.BESOIN])
            for kind, per in tally.items()
            if any(per.values())
        )
