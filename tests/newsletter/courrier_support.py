"""The courrier as another service sees it: associations written in the directory's bucket
(with their private contact, as the annuaire stores them), requests published like the
annuaire publishes them, and the outcomes and dead letters read back."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from vieasso.common import subjects
from vieasso.common.courrier import request_mail
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.messages.base import Message
from vieasso.common.messages.courrier import CourrierRequest, Template, ToAssociation
from vieasso.common.nats.catalogue import stream_for

T = TypeVar("T")
REQUESTER = "annuaire"
BIENVENUE = {"link": "https://vie-associative.test/connexion?jeton=abc", "valid_until": None}


def annuaire_publish(js: JetStreamContext) -> Any:
    """A `Publish` as the annuaire's: acknowledged by JetStream, `Nats-Msg-Id` = message id."""

    async def publish(subject: str, message: Message) -> None:
        await js.publish(
            subject,
            message.model_dump_json().encode(),
            stream=stream_for(subject),
            headers={"Nats-Msg-Id": str(message.message_id)},
        )

    return publish


async def put_association(
    js: JetStreamContext,
    *,
    name: str,
    email: str | None,
    state: AssociationState = AssociationState.VALIDATED,
    slug: str | None = None,
) -> str:
    """Write (or rewrite) an association record as the annuaire does; returns its slug."""
    slug = slug or f"asso-{secrets.token_hex(4)}"
    now = datetime.now(UTC)
    record = json.loads(
        AssociationPublic(
            slug=slug, name=name, purpose="Animer le quartier.", state=state,
            created_at=now, updated_at=now,
        ).model_dump_json()
    )  # fmt: skip
    if email is not None:
        record["private_contact"] = {"name": "Camille", "email": email, "phone": None}
    kv = await js.key_value(ASSOCIATIONS)
    await kv.put(slug, json.dumps(record).encode())
    return slug


def welcome_params(until: datetime) -> dict[str, Any]:
    return {**BIENVENUE, "valid_until": until.isoformat()}


async def ask_welcome(js: JetStreamContext, slug: str, key: str, until: datetime) -> None:
    """The validation mail, requested as the annuaire requests it."""
    await request_mail(
        annuaire_publish(js), REQUESTER, key=key, to=ToAssociation(association=slug),
        template=Template.BIENVENUE, params=welcome_params(until),
    )  # fmt: skip


async def republish(js: JetStreamContext, request: CourrierRequest) -> None:
    """The same request published again after JetStream's duplicate window (a new
    `Nats-Msg-Id`): only the newsletter's ledger can keep it from being mailed twice."""
    again = request.model_copy(update={"message_id": uuid.uuid4()})
    await annuaire_publish(js)(subjects.courrier_request(REQUESTER), again)


async def raw_request(js: JetStreamContext, body: dict[str, Any]) -> None:
    """A request as a buggy service might publish it (not checked by `request_mail`)."""
    await js.publish(
        subjects.courrier_request(REQUESTER),
        json.dumps({"message_id": str(uuid.uuid4()), **body}).encode(),
        stream="COURRIER",
    )


async def read_stream(js: JetStreamContext, stream: str, subject: str) -> list[tuple[str, bytes]]:
    """Every message of `stream` on `subject` (wildcards allowed), oldest first."""
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    found: list[tuple[str, bytes]] = []
    try:
        while True:
            try:
                batch = await sub.fetch(200, timeout=0.5)
            except (NatsTimeout, TimeoutError):
                return found
            for msg in batch:
                found.append((msg.subject, msg.data))
                await msg.ack()
    finally:
        await sub.unsubscribe()


async def outcomes(js: JetStreamContext, key: str) -> list[tuple[str, dict[str, Any]]]:
    """(subject, body) of the outcomes published for `key` of the annuaire."""
    found = await read_stream(js, "COURRIER_OUTCOMES", f"courrier.*.{REQUESTER}")
    bodies = [(s, json.loads(d)) for s, d in found]
    return [(s, b) for s, b in bodies if b["key"] == key]


async def dead_letters(js: JetStreamContext, key: str) -> list[dict[str, Any]]:
    """The dead letters of the annuaire's requests whose payload names `key`."""
    subject = subjects.deadletter("newsletter", subjects.courrier_request(REQUESTER))
    found = await read_stream(js, "DEADLETTER", subject)
    letters = [json.loads(d) for _, d in found]
    return [letter for letter in letters if key in letter["payload"]]


async def polled(read: Callable[[], Awaitable[T]], seconds: float = 30.0) -> T:
    """The first truthy value `read` returns, polled until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        value = await read()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing read in {seconds} s")
        await asyncio.sleep(0.05)
