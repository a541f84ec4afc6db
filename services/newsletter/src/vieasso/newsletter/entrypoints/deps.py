"""Shared pieces of the HTTP entrypoints: the running newsletter, forms, visitor, rate limit."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from vieasso.common.http.client import client_ip as visitor_ip
from vieasso.common.http.limits import read_body
from vieasso.common.http.ratelimit import client_key
from vieasso.common.web import ServiceStarting
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.service import Newsletter

MAX_FORM_BYTES = 64 * 1024
BUSY = "Le service reçoit trop de demandes en ce moment : réessayez dans une minute."


def newsletter(request: Request) -> Newsletter:
    found: Newsletter | None = request.app.state.newsletter
    if found is None:
        raise ServiceStarting
    return found


Service = Annotated[Newsletter, Depends(newsletter)]


async def form(request: Request) -> dict[str, list[str]]:
    """An `application/x-www-form-urlencoded` body (no multipart needed here), refused with
    a 413 as soon as it passes `MAX_FORM_BYTES` (never read whole first)."""
    body = await read_body(request, MAX_FORM_BYTES)
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def client_ip(request: Request) -> str | None:
    """The visitor's address (X-Forwarded-For believed from trusted proxies only)."""
    settings: NewsletterSettings = request.app.state.settings
    return visitor_ip(request, settings.trusted_networks)


async def subscribe_wait(request: Request, service: Newsletter) -> float:
    """Count one subscription request of this visitor (IPv6: per /64), on every replica
    together: 0.0 when it may go on, else the seconds before the next one may."""
    return await service.subscribe_limit.hit(client_key(client_ip(request)))
