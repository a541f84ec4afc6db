"""How every process of the platform connects to NATS: servers, credentials, inbox prefix.

With a user (``VIEASSO_NATS_USER``/``VIEASSO_NATS_PASSWORD``, or in the URL), replies use
that user's inbox prefix, the only one its permissions let it subscribe to
(see `vieasso.common.nats.permissions`). Credentials are never logged:
`Settings.nats_servers_for_logs` strips them from the URLs.
"""

from __future__ import annotations

from typing import Any

from faststream.security import SASLPlaintext

from vieasso.common.nats.permissions import inbox_prefix
from vieasso.common.settings import Settings


def connect_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``nats.connect(...)``."""
    options: dict[str, Any] = {"servers": settings.nats_servers}
    if settings.nats_user:
        options["user"] = settings.nats_user
        if settings.nats_password is not None:
            options["password"] = settings.nats_password.get_secret_value()
    if (user := settings.nats_user_name) is not None:
        options["inbox_prefix"] = inbox_prefix(user)
    return options


def broker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``NatsBroker(...)`` (FastStream takes the credentials as security)."""
    options = connect_options(settings)
    user, password = options.pop("user", None), options.pop("password", "")
    if user is not None:
        options["security"] = SASLPlaintext(username=user, password=password)
    return options
