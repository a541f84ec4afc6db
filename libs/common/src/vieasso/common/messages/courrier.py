"""Mail to associations and to the city team (SPEC §8): one outbound path, through the newsletter.

A service that wants a mail sent publishes a `CourrierRequest` on
``courrier.requests.<service>`` (work queue, stream ``COURRIER``). It names the recipient
by *role* — an association by its slug (the newsletter mails its private contact, read from
the directory's bucket) or a team of the city — never by address: no email address ever
travels on NATS. The newsletter renders the named template with the parameters, sends it at
most once per ``key`` (its delivery ledger) and publishes the outcome on
``courrier.sent.<service>`` or ``courrier.failed.<service>`` (stream ``COURRIER_OUTCOMES``).

The parameters of each template are checked twice: by the publisher before it publishes
(`check_params`, so a bug is found where it is made) and by the newsletter on receipt (a
request it cannot honour goes to the dead letter with the reason).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from vieasso.common.messages import courrier_prets as prets
from vieasso.common.messages.base import Code, Line, Message, Slug, Text, WebUrl

KEY_PATTERN = r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$"
CourrierKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=KEY_PATTERN,
        description=(
            "Idempotency key, unique per mail within the publishing service (e.g. "
            "`validation.les-amis-de-battant`): a request published again with the same key "
            "is never sent twice. Letters, digits, `_`, `-`, dots between words."
        ),
        examples=["validation.les-amis-de-battant"],
    ),
]


class ToAssociation(BaseModel):
    """The association's private contact (from the directory; never in the message)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    association: Slug


class ToCity(BaseModel):
    """A team of the city (addresses configured in the newsletter service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    city: Code = Field(examples=["vie-associative"])


Recipient = ToAssociation | ToCity


class Template(StrEnum):
    """Templates the newsletter knows; each has its parameters' model in `PARAMS`."""

    CONNEXION = "connexion"
    BIENVENUE = "bienvenue"
    INSCRIPTION_REFUSEE = "inscription-refusee"
    EVENEMENT_MASQUE = "evenement-masque"
    MISSION_CLOSE = "mission-close"
    JETON_EMIS = "jeton-emis"
    JETON_REVOQUE = "jeton-revoque"
    PRET_DEMANDE = "pret-demande"
    PRET_DECISION = "pret-decision"
    PRET_RAPPEL_RETRAIT = "pret-rappel-retrait"
    PRET_RAPPEL_RETOUR = "pret-rappel-retour"
    PRET_RETARD = "pret-retard"
    PRET_ANNULE = "pret-annule"
    ENTRAIDE_MESSAGE = "entraide-message"
    ANNONCE_DECISION = "annonce-decision"
    AIDE_ECHEANCE = "aide-echeance"


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConnexionParams(_Params):
    """A one-time sign-in link to the association space."""

    link: WebUrl
    valid_minutes: int = Field(ge=1, le=60 * 24 * 14)


class BienvenueParams(_Params):
    """The city validated the association: welcome, with a one-time sign-in link."""

    link: WebUrl
    valid_until: AwareDatetime


class InscriptionRefuseeParams(_Params):
    """The city refused a registration, with its reason (written by the city, in French)."""

    reason: Text = Field(min_length=1, max_length=2000)


class EvenementMasqueParams(_Params):
    """The city hid one of the association's events from the agenda, with its reason."""

    event_title: Line = Field(min_length=1, max_length=200)
    event_start: AwareDatetime | None = None
    reason: Text = Field(min_length=1, max_length=2000)


class MissionCloseParams(_Params):
    """A volunteer mission was closed automatically (its end date passed)."""

    mission_title: Line = Field(min_length=1, max_length=200)
    mission_url: WebUrl | None = None


class JetonParams(_Params):
    """An API token was issued or revoked, by the city or from the association space."""

    by: Literal["ville", "association"]


class EntraideMessageParams(_Params):
    """A new message in a thread about an annonce (ressources, issue 17): who wrote it, with
    its PUBLIC contact only (its directory page, phone, website), an excerpt, and the link
    to the thread in the recipient's space, where it answers. `from_city`: the city's team
    wrote (`from_page`: the directory's home); `to_city`: the mail goes to that team
    (`ToCity(city=ASSOCIATIONS_TEAM)`), the link to the city's space."""

    annonce_title: Line = Field(min_length=1, max_length=200)
    from_name: Line = Field(min_length=1, max_length=200)
    from_page: WebUrl
    from_phone: Line | None = Field(default=None, max_length=30)
    from_website: WebUrl | None = None
    excerpt: Text = Field(min_length=1, max_length=2000)
    thread_url: WebUrl
    from_city: bool = False
    to_city: bool = False


class AnnonceDecisionParams(_Params):
    """The city's answer to an announcement on its screens (agenda), with its reason when
    it refuses."""

    event_title: Line = Field(min_length=1, max_length=200)
    approved: bool
    screens: tuple[Annotated[Line, Field(min_length=1, max_length=120)], ...] = Field(
        min_length=1, max_length=50
    )
    first_day: date
    last_day: date
    reason: Text | None = Field(default=None, min_length=1, max_length=2000)
    link: WebUrl


class AideEcheanceParams(_Params):
    """An aid the association follows closes soon (aides, 30 and 7 days before its last
    day): its public record's link, and where to apply."""

    scheme_name: Line = Field(min_length=1, max_length=200)
    funders: Line = Field(min_length=1, max_length=500)
    deadline: date
    days_left: int = Field(ge=0, le=30)
    scheme_url: WebUrl
    application_url: WebUrl | None = None
    follows_url: WebUrl


PARAMS: dict[Template, type[BaseModel]] = {
    Template.CONNEXION: ConnexionParams,
    Template.BIENVENUE: BienvenueParams,
    Template.INSCRIPTION_REFUSEE: InscriptionRefuseeParams,
    Template.EVENEMENT_MASQUE: EvenementMasqueParams,
    Template.MISSION_CLOSE: MissionCloseParams,
    Template.JETON_EMIS: JetonParams,
    Template.JETON_REVOQUE: JetonParams,
    Template.PRET_DEMANDE: prets.PretDemandeParams,
    Template.PRET_DECISION: prets.PretDecisionParams,
    Template.PRET_RAPPEL_RETRAIT: prets.PretRappelRetraitParams,
    Template.PRET_RAPPEL_RETOUR: prets.PretRappelRetourParams,
    Template.PRET_RETARD: prets.PretRetardParams,
    Template.PRET_ANNULE: prets.PretAnnuleParams,
    Template.ENTRAIDE_MESSAGE: EntraideMessageParams,
    Template.ANNONCE_DECISION: AnnonceDecisionParams,
    Template.AIDE_ECHEANCE: AideEcheanceParams,
}
LENDING_TEAM = "prets"
"""The city team that handles loans of equipment and rooms (`ToCity(city=LENDING_TEAM)`)."""
ASSOCIATIONS_TEAM = "vie-associative"
"""The Service Vie associative (`ToCity(city=ASSOCIATIONS_TEAM)`): told of the answers to the
city's messages in the entraide."""
# Templates written for one kind of recipient only (the others suit either).
AUDIENCE: dict[Template, type[ToAssociation] | type[ToCity]] = {
    Template.PRET_DEMANDE: ToCity,
    Template.PRET_ANNULE: ToCity,
    Template.PRET_DECISION: ToAssociation,
    Template.PRET_RAPPEL_RETRAIT: ToAssociation,
    Template.PRET_RAPPEL_RETOUR: ToAssociation,
    Template.PRET_RETARD: ToAssociation,
    Template.ANNONCE_DECISION: ToAssociation,
    Template.AIDE_ECHEANCE: ToAssociation,
}


def check_params(template: Template | str, params: dict[str, Any]) -> BaseModel:
    """The parameters as the template's model (raises `ValueError` for an unknown template,
    `pydantic.ValidationError` for bad parameters)."""
    try:
        model = PARAMS[Template(template)]
    except ValueError:
        raise ValueError(f"unknown mail template {template!r}") from None
    return model.model_validate(params)


def check_recipient(template: Template, to: Recipient) -> None:
    """Raises `ValueError` when `template` is not written for that kind of recipient (a
    new loan request is for a city team, a decision for the association)."""
    audience = AUDIENCE.get(template)
    if audience is not None and not isinstance(to, audience):
        kind = "a city team" if audience is ToCity else "an association"
        raise ValueError(f"template {template.value!r} is written for {kind}")


class CourrierRequest(Message):
    """``courrier.requests.<service>``: ask the newsletter to send one mail (work queue).

    ``template`` is a plain string here (not `Template`) so that a request naming a template
    this newsletter does not know is still read, and dead-lettered with that reason.
    """

    key: CourrierKey
    to: Recipient
    template: Code
    params: dict[str, JsonValue] = Field(default_factory=dict)


class CourrierOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"


class CourrierSent(Message):
    """``courrier.sent.<service>``: the mail of `key` was accepted by the SMTP server."""

    key: CourrierKey
    to: Recipient
    template: Code


class CourrierFailed(Message):
    """``courrier.failed.<service>``: the mail of `key` will not be sent. `undeliverable`:
    the recipient's server refused the address for good (5xx); the city sees it."""

    key: CourrierKey
    to: Recipient
    template: Code
    reason: Line = Field(max_length=500)
    undeliverable: bool = False


class LetterChoice(Message):
    """``newsletter.associations.<slug>.subscribed`` / ``.unsubscribed``: an association
    chose to receive the associations' letter or not — recorded like a consent (when, from
    where, which form), kept on the ``NEWSLETTER`` stream. No address."""

    association: Slug
    subscribed: bool
    source: Literal["espace-association", "lien-desabonnement", "lien-en-un-clic"]
    form_version: Line = Field(max_length=40)
