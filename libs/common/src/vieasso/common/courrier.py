"""Asking the newsletter to mail an association or the city (SPEC §8), from any service.

    await request_mail(publish, "annuaire", key=f"validation.{slug}",
                       to=ToAssociation(association=slug), template=Template.BIENVENUE,
                       params={"link": link, "valid_until": until})

The request is checked here (template known, parameters valid, recipient of the kind the
template is written for) so that a bug is found where it is made; it is published with a
``Nats-Msg-Id`` derived from the service and the key, so that JetStream drops a second
publish within its duplicate window, and the newsletter's ledger sends each key at most
once whatever the delay.
"""

from __future__ import annotations

import uuid
from typing import Any

from vieasso.common.messages.courrier import (
    CourrierRequest,
    Recipient,
    Template,
    check_params,
    check_recipient,
)
from vieasso.common.nats.publish import Publish
from vieasso.common.subjects import courrier_request

_NAMESPACE = uuid.UUID("6f1d7f52-6a8e-4d0e-9a53-5c0f8f4b3c21")


def request_id(service: str, key: str) -> uuid.UUID:
    """The message id of the request `key` of `service` (same key → same id)."""
    return uuid.uuid5(_NAMESPACE, f"{service}/{key}")


def build_request(
    service: str, *, key: str, to: Recipient, template: Template, params: dict[str, Any]
) -> CourrierRequest:
    """The request, parameters and recipient checked against the template (raises
    `ValueError`)."""
    checked = check_params(template, params)
    check_recipient(template, to)
    return CourrierRequest(
        message_id=request_id(service, key),
        key=key,
        to=to,
        template=template.value,
        params=checked.model_dump(mode="json"),
    )


async def request_mail(
    publish: Publish,
    service: str,
    *,
    key: str,
    to: Recipient,
    template: Template,
    params: dict[str, Any],
) -> CourrierRequest:
    """Publish the request on ``courrier.requests.<service>`` (acknowledged or raises
    `PublishError`) and return it."""
    request = build_request(service, key=key, to=to, template=template, params=params)
    await publish(courrier_request(service), request)
    return request
