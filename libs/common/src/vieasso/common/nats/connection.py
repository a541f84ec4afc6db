"""How every process of the platform connects to NATS: servers, credentials, inbox prefix.

With a user (``VIEASSO_NATS_USER``/``VIEASSO_NATS_PASSWORD``, or in the URL), replies use
that user's inbox prefix, the only one its permissions let it subscribe to
(see `vieasso.common.nats.permissions`). Credentials are never logged:
`Settings.nats_servers_for_logs` strips them from the URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from faststream.security import SASLPlaintext

from vieasso.common.nats.permissions import inbox_prefix
from vieasso.common.settings import Settings


def connect_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``nats.connect(...)``.

    Credentials given in the URLs are passed as ``user``/``password`` instead, with the URLs
    stripped: nats-py keeps URL credentials per server, and the servers a cluster announces
    (INFO ``connect_urls``) come without them, so a reconnection to one of those was refused
    (Authorization Violation) and the client closed for good.
    """
    user = settings.nats_user
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    if user is None:
        user, password = _credentials_in(settings.nats_servers)
    options: dict[str, Any] = {
        "servers": settings.nats_servers_for_logs if user else settings.nats_servers
    }
    if user:
        options["user"] = user
        if password is not None:
            options["password"] = password
    if (name := settings.nats_user_name) is not None:
        options["inbox_prefix"] = inbox_prefix(name)
    return options


def _credentials_in(urls: list[str]) -> tuple[str | None, str | None]:
    for url in urls:
        parts = urlsplit(url)
        if parts.username:
            return unquote(parts.username), unquote(parts.password or "")
    return None, None


def broker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``NatsBroker(...)`` (FastStream takes the credentials as security)."""
    options = connect_options(settings)
    user, password = options.pop("user", None), options.pop("password", "")
    if user is not None:
        options["security"] = SASLPlaintext(username=user, password=password)
    return options
