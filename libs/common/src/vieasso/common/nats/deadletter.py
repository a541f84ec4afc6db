"""Sending a message that can never succeed to the dead-letter stream, with the reason."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from vieasso.common import subjects
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.nats.publish import Publish

MAX_PAYLOAD_CHARS = 256 * 1024
_NAMESPACE = uuid.UUID("7b0e1d2c-5a3f-4c1e-9d8b-0f6a2e4c8b1a")


def dead_letter_for(
    *,
    service: str,
    subject: str,
    body: bytes,
    headers: Mapping[str, str] | None,
    error: str,
) -> DeadLetter:
    """Build the dead letter; its id derives from the original, so redelivery dedups."""
    headers = dict(headers or {})
    original_id = headers.get("Nats-Msg-Id")
    identity = original_id or hashlib.sha256(body).hexdigest()
    text = body.decode("utf-8", errors="replace")
    return DeadLetter(
        message_id=uuid.uuid5(_NAMESPACE, f"{service}:{subject}:{identity}"),
        service=service,
        original_subject=subject,
        original_message_id=original_id,
        error=error[:4000],
        payload=text[:MAX_PAYLOAD_CHARS],
        payload_truncated=len(text) > MAX_PAYLOAD_CHARS,
        headers={k: v[:1000] for k, v in list(headers.items())[:50]},
    )


async def send_to_dead_letter(
    publish: Publish,
    *,
    service: str,
    subject: str,
    body: bytes,
    headers: Mapping[str, str] | None,
    error: str,
) -> DeadLetter:
    letter = dead_letter_for(
        service=service, subject=subject, body=body, headers=headers, error=error
    )
    await publish(subjects.deadletter(service, subject), letter)
    return letter


async def publish_dead_letter(js: JetStreamContext, service: str, msg: Msg, error: str) -> None:
    """Keep the JetStream message `msg` on ``DEADLETTER`` with why (the consumers' way)."""
    letter = dead_letter_for(
        service=service, subject=msg.subject, body=msg.data,
        headers=dict(msg.headers or {}), error=error,
    )  # fmt: skip
    await js.publish(
        subjects.deadletter(service, msg.subject),
        letter.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(letter.message_id)},
    )
