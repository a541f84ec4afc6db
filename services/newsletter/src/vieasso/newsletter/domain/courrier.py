"""Mail to associations and to the city (SPEC §8): the rules, without any I/O.

A request names a template, its parameters, a recipient by role and an idempotency key;
what can never be sent is refused here with an English reason (for the dead letter and
the ``courrier.failed`` outcome). Nothing here ever holds more of an address than a keyed
hash of it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from vieasso.common.messages import courrier as contract
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import Recipient, Template, check_params
from vieasso.common.messages.courrier_prets import (
    LoanDecision,
    PretAnnuleParams,
    PretDecisionParams,
    PretDemandeParams,
)
from vieasso.newsletter.domain.delivery import LedgerState

if TYPE_CHECKING:  # the directory's reader watches NATS: not imported by the domain
    from vieasso.common.directory import AssociationContact

LEDGER_PREFIX = "courrier"
SUBJECTS: dict[Template, str] = {
    Template.CONNEXION: "Votre lien de connexion à l’espace association",
    Template.BIENVENUE: "Bienvenue sur la plateforme de la vie associative de Besançon",
    Template.INSCRIPTION_REFUSEE: "Votre demande d’inscription n’a pas été retenue",
    Template.EVENEMENT_MASQUE: "Un de vos événements a été masqué de l’agenda",
    Template.MISSION_CLOSE: "Votre mission de bénévolat a été close",
    Template.JETON_EMIS: "Un jeton d’accès à l’API a été émis pour votre association",
    Template.JETON_REVOQUE: "Le jeton d’accès à l’API de votre association a été révoqué",
    Template.PRET_DEMANDE: "Nouvelle demande de prêt",
    Template.PRET_DECISION: "Réponse à votre demande de prêt",
    Template.PRET_RAPPEL_RETRAIT: "Rappel : retrait de votre prêt",
    Template.PRET_RAPPEL_RETOUR: "Rappel : retour de votre prêt",
    Template.PRET_RETARD: "Votre prêt n’a pas été rendu à la date prévue",
    Template.PRET_ANNULE: "Prêt annulé par l’association",
    Template.ENTRAIDE_MESSAGE: "Entraide : un nouveau message à propos d’une annonce",
    Template.ANNONCE_DECISION: "Réponse à votre demande d’annonce sur les écrans de la Ville",
    Template.AIDE_ECHEANCE: "Date limite proche",
}
DECISIONS = {
    LoanDecision.APPROVED: "accordée",
    LoanDecision.PARTIAL: "accordée en partie",
    LoanDecision.REFUSED: "refusée",
}
# The city refuses a registration and may archive the record at once: its mail still goes.
TO_ARCHIVED = frozenset({Template.INSCRIPTION_REFUSEE})
_NAMESPACE = uuid.UUID("0e4b1c7a-3d52-4f1b-8a9e-6c2d7f5e1b90")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ADDRESS = re.compile(r"""<?[^\s<>@(),;:"']+@[^\s<>@(),;:"']+>?""")
MAX_REASON = 300


class Refused(ValueError):
    """A request that can never be sent (dead letter and ``courrier.failed``)."""


class Undeliverable(BaseModel):
    """``undeliverable.<slug>``: the association's contact was refused for good."""

    model_config = ConfigDict(frozen=True)

    address_hash: str
    at: AwareDatetime
    code: int | None = None
    reason: str


@dataclass(frozen=True)
class Addressee:
    """Who gets the mail: an association (`slug`, greeted by `name`) or a city team."""

    addresses: tuple[str, ...]
    name: str | None = None
    slug: str | None = None


@dataclass(frozen=True)
class Attempt:
    """How sending a key ended: its ledger state, the SMTP answer, whether an earlier
    delivery of the request (or a duplicate) had already handled it."""

    state: LedgerState
    code: int | None = None
    detail: str = ""
    handled_before: bool = False

    @property
    def smtp(self) -> str:
        return f"{self.code or ''} {self.detail}".strip()


def subject(template: Template, params: BaseModel) -> str:
    """The mail's subject: the template's, with the decision or the association's name
    for the lending mails (the inbox of the city's team tells requests apart)."""
    found = SUBJECTS[template]
    if isinstance(params, PretDecisionParams):
        return f"{found} : {DECISIONS[params.decision]}"
    if isinstance(params, PretDemandeParams | PretAnnuleParams):
        return f"{found} : {params.association_name}"
    if isinstance(params, contract.AideEcheanceParams):
        return f"{found} : {params.scheme_name}"
    return found


def template_of(name: str) -> Template:
    try:
        return Template(name)
    except ValueError:
        raise Refused(f"unknown template {name!r}") from None


def params_of(template: Template, params: Mapping[str, object]) -> BaseModel:
    try:
        return check_params(template, dict(params))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors()
        )
        raise Refused(f"bad parameters for template {template.value!r}: {problems}") from None


def check_recipient(template: Template, to: Recipient) -> None:
    try:
        contract.check_recipient(template, to)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def check_association(
    slug: str, contact: AssociationContact | None, template: Template
) -> tuple[str, str]:
    """(name, address) of the association's private contact, or `Refused`."""
    if contact is None:
        raise Refused(f"unknown association {slug!r}")
    if contact.state is AssociationState.ARCHIVED and template not in TO_ARCHIVED:
        raise Refused(f"association {slug!r} is archived")
    if not contact.email:
        raise Refused(f"association {slug!r} has no private contact")
    return contact.name, contact.email


def city_team(team: str, teams: dict[str, list[str]]) -> list[str]:
    if team not in teams:
        raise Refused(f"unknown city team {team!r}")
    return teams[team]


def ledger_key(service: str, key: str) -> str:
    """The ledger key of a request: ``courrier.<service>.<key>`` (KV-safe: the key's own
    characters are letters, digits, `_`, `-` and inner dots)."""
    return f"{LEDGER_PREFIX}.{service}.{key}"


def message_id(service: str, key: str, domain: str) -> str:
    return f"{ledger_key(service, key)}@{domain}"


def outcome_id(service: str, key: str, sent: bool) -> uuid.UUID:
    """Same request, same outcome → same id (JetStream drops a republished outcome)."""
    return uuid.uuid5(_NAMESPACE, f"{service}/{key}/{'sent' if sent else 'failed'}")


def address_hash(address: str, secret: bytes) -> str:
    """A keyed hash of the address: tells whether the contact changed, reveals nothing."""
    return hmac.new(secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def scrubbed(reason: str) -> str:
    """A reason fit for ``CourrierFailed.reason`` (one line): an SMTP answer without any
    address in it (servers often quote the recipient), or a refusal quoting what a hostile
    request held (control characters, line breaks) made printable, and bounded."""
    printable = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", " ".join(reason.split()))
    return _ADDRESS.sub("<adresse>", printable)[:MAX_REASON]
