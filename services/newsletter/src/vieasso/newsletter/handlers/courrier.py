"""Sending the mails other services ask for (``courrier.requests.<service>``, SPEC §8).

For one request: template and parameters checked, recipient resolved (an association's
private contact from the directory, or a team of the city from the settings), mail
rendered, then the digest's guarantees (handlers/deliveries.py) on the ledger key
``courrier.<service>.<key>``:
1. once a pooled connection and a rate-limit slot are held, the ledger says ``sending``
   (compare-and-set: of the same key requested twice, or redelivered, only one passes);
2. the SMTP transaction; 4xx and connection errors → ``deferred``, retried with backoff;
3. ``sent`` → ``courrier.sent.<service>``; a 5xx about the address → ``bounced``, the
   association's contact marked undeliverable (`CourrierStore`) and
   ``courrier.failed.<service>`` with ``undeliverable``; another 5xx or no attempt left →
   ``failed`` and ``courrier.failed.<service>``.
A crash between 1 and 3 leaves ``sending``: that key is never mailed again (at most once)
and a later delivery of the request only logs it as uncertain. A request that can never
be sent raises `Refused` after publishing its ``courrier.failed`` outcome (the caller
dead-letters it). Logs carry the service, key, template and slug, never an address.
"""

from __future__ import annotations

import asyncio
import logging

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from vieasso.common.clock import Clock
from vieasso.common.directory import AssociationContact, ContactDirectory
from vieasso.common.messages.courrier import CourrierRequest, Template, ToAssociation
from vieasso.common.nats.publish import Publish
from vieasso.newsletter.adapters.courrier_rendering import CourrierRenderer
from vieasso.newsletter.adapters.courrier_store import CourrierStore
from vieasso.newsletter.adapters.ledger import Claim, Ledger
from vieasso.newsletter.adapters.mime import Sender, compose, qp
from vieasso.newsletter.adapters.smtp import SmtpPool, SmtpUnavailable
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain import courrier as rules
from vieasso.newsletter.domain.courrier import Addressee, Attempt
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState, Outcome, backoff, classify
from vieasso.newsletter.handlers.courrier_outcomes import Outcomes

log = logging.getLogger(__name__)

STATES = {
    Outcome.SENT: LedgerState.SENT,
    Outcome.BOUNCE: LedgerState.BOUNCED,
    Outcome.FAIL: LedgerState.FAILED,
    Outcome.RETRY: LedgerState.DEFERRED,
}


class Courrier:
    def __init__(  # noqa: PLR0917 - the use case's collaborators
        self,
        contacts: ContactDirectory,
        associations: KeyValue,
        store: CourrierStore,
        ledger: Ledger,
        pool: SmtpPool,
        renderer: CourrierRenderer,
        publish: Publish,
        settings: NewsletterSettings,
        clock: Clock,
    ) -> None:
        self._contacts = contacts
        self._associations = associations
        self._ledger = ledger
        self._pool = pool
        self.renderer = renderer
        self._settings = settings
        self._clock = clock
        secret = settings.token_secret.get_secret_value().encode()
        self.outcomes = Outcomes(publish, store, secret, clock)

    async def handle(self, service: str, request: CourrierRequest) -> LedgerState | None:
        """Send the request's mail at most once; its ledger state (None: not attempted)."""
        where = {"requester": service, "key": request.key, "template": request.template}
        try:
            template = rules.template_of(request.template)
            params = rules.params_of(template, request.params)
            rules.check_recipient(template, request.to)
            to = await self._addressee(request, template)
        except rules.Refused as exc:
            await self.outcomes.failed(service, request, str(exc))
            raise
        if await self.outcomes.blocked(service, request, to):
            return None
        mail = self.renderer.render(template, params, to.name)
        s = self._settings
        raw = compose(
            Sender.of(s.mail_from_name, s.mail_from_address, mail.subject, list_id=None),
            to=", ".join(to.addresses),
            message_id=rules.message_id(service, request.key, s.domain),
            date=self._clock.now(),
            html=qp(mail.html),
            text=qp(mail.text),
        )
        attempt = await self._send(rules.ledger_key(service, request.key), to.addresses, raw)
        await self._report(service, request, to, attempt)
        log.info("mail %s", attempt.state.value, extra={**where, "again": attempt.handled_before})
        return attempt.state

    async def _addressee(self, request: CourrierRequest, template: Template) -> Addressee:
        if not isinstance(request.to, ToAssociation):
            team = request.to.city
            return Addressee(tuple(rules.city_team(team, self._settings.courrier_city_teams)))
        slug = request.to.association
        name, address = rules.check_association(slug, await self._contact(slug), template)
        return Addressee((address,), name, slug)

    async def _contact(self, slug: str) -> AssociationContact | None:
        """From the directory's mirror, or its bucket when the mirror has not caught up
        with a record written just before the request."""
        found = self._contacts.get(slug)
        if found is not None:
            return found
        try:
            entry = await self._associations.get(slug)
        except KeyNotFoundError:
            return None
        return AssociationContact.model_validate_json(entry.value) if entry.value else None

    async def _send(self, key: str, addresses: tuple[str, ...], raw: bytes) -> Attempt:
        s = self._settings
        while True:
            async with self._pool.lease() as lease:
                claim = await self._ledger.claim_key(key, self._clock.now())
                if claim.revision is None:
                    return _handled(claim)
                code: int | None = None
                try:
                    reply = await lease.send(s.mail_from_address, addresses, raw)
                except SmtpUnavailable as exc:
                    outcome, detail = Outcome.RETRY, f"connection: {exc}"
                else:
                    code, detail = reply.code, rules.scrubbed(reply.message)
                    outcome = classify(code, detail)
            state = STATES[outcome]
            if state is LedgerState.DEFERRED and claim.attempts >= s.send_max_attempts:
                state = LedgerState.FAILED
            entry = LedgerEntry(
                state=state, attempts=claim.attempts, at=self._clock.now(), code=code
            )
            await self._ledger.record_key(key, claim.revision, entry)
            if state is not LedgerState.DEFERRED:
                return Attempt(state, code, detail)
            await asyncio.sleep(backoff(claim.attempts, s.send_retry_base, s.send_retry_max))

    async def _report(
        self, service: str, request: CourrierRequest, to: Addressee, attempt: Attempt
    ) -> None:
        if attempt.state is LedgerState.SENT:
            await self.outcomes.sent(service, request)
        elif attempt.state is LedgerState.BOUNCED:
            await self.outcomes.bounced(service, request, to, attempt)
        elif attempt.state is LedgerState.FAILED:
            reason = f"not delivered: {attempt.smtp or 'no answer'}"
            await self.outcomes.failed(service, request, reason)
        else:  # `sending`: being sent by another delivery, or interrupted mid-send
            log.warning(
                "mail uncertain: being sent, or interrupted mid-send; never sent again",
                extra={"requester": service, "key": request.key},
            )


def _handled(claim: Claim) -> Attempt:
    """The key was handled before (a duplicate request or a redelivery): its outcome is
    published again (same message id: deduplicated), never the mail."""
    code = claim.entry.code if claim.entry is not None else None
    state = claim.state or LedgerState.SENDING
    return Attempt(state, code, "(recorded earlier)", handled_before=True)
