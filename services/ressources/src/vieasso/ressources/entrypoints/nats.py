"""NATS side of the ressources service: it subscribes to nothing yet; it publishes the
lending facts and the offers and needs between associations (SPEC §8), and the mails it
asks the newsletter for.

The publishers below only document those messages in the AsyncAPI document (`make docs`);
the handlers publish through `JetStreamPublisher`, which waits for the JetStream ack.
"""

from __future__ import annotations

from faststream.nats import NatsRouter
from pydantic import BaseModel

from vieasso.common.messages.annonces import AnnonceFact, AnnonceLetterChoice
from vieasso.common.messages.courrier import CourrierRequest
from vieasso.common.messages.ressources import CatalogueArchived, CatalogueUpserted, LoanFact
from vieasso.common.nats.publish import documented_publishers

FACTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("ressources.catalogue.{entry_id}.upserted", CatalogueUpserted),
    ("ressources.catalogue.{entry_id}.archived", CatalogueArchived),
    ("ressources.loans.{slug}.requested", LoanFact),
    ("ressources.loans.{slug}.approved", LoanFact),
    ("ressources.loans.{slug}.refused", LoanFact),
    ("ressources.loans.{slug}.ready", LoanFact),
    ("ressources.loans.{slug}.picked_up", LoanFact),
    ("ressources.loans.{slug}.overdue", LoanFact),
    ("ressources.loans.{slug}.returned", LoanFact),
    ("ressources.loans.{slug}.cancelled", LoanFact),
    ("ressources.annonces.{slug}.published", AnnonceFact),
    ("ressources.annonces.{slug}.closed", AnnonceFact),
    ("ressources.annonces.{slug}.hidden", AnnonceFact),
    ("ressources.annonces.{slug}.letter", AnnonceLetterChoice),
    ("courrier.requests.ressources", CourrierRequest),
)


def build_router() -> NatsRouter:
    return documented_publishers(FACTS)
