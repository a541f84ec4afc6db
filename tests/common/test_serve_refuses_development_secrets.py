"""`vieasso-<service> serve` bound beyond loopback refuses the development secrets.

docker-compose binds 0.0.0.0 inside the containers: a deployment that forgot
`deploy/secrets.env` must stop at once, naming what to set, rather than serve admin routes
behind `dev-admin-token` or sign newsletter links with a key printed in the repository.
"""

from __future__ import annotations

import pytest

from tests.support.services import StartService
from vieasso.common.settings import DEV_ADMIN_TOKEN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

STRONG = "s" * 32  # long enough, not a development default
EVERYWHERE = {"VIEASSO_HTTP_HOST": "0.0.0.0"}  # noqa: S104 - what the test is about


def test_agenda_on_all_interfaces_with_the_development_admin_token_exits_naming_it(
    start_service: StartService,
) -> None:
    agenda = start_service(
        "agenda",
        admin_token=DEV_ADMIN_TOKEN,
        env={"VIEASSO_HTTP_HOST": "0.0.0.0"},  # noqa: S104
    )
    assert agenda.wait_exit() not in (0, None)
    output = agenda.process.output()
    assert "VIEASSO_ADMIN_TOKEN" in output
    assert "refusing to serve on 0.0.0.0" in output
    assert "Traceback" not in output


def test_newsletter_on_all_interfaces_names_only_the_secret_left_at_its_default(
    start_service: StartService,
) -> None:
    newsletter = start_service(
        "newsletter",
        admin_token=STRONG,
        env={"VIEASSO_HTTP_HOST": "0.0.0.0"},  # noqa: S104
    )
    assert newsletter.wait_exit() not in (0, None)
    output = newsletter.process.output()
    assert "VIEASSO_TOKEN_SECRET" in output
    assert "VIEASSO_ADMIN_TOKEN" not in output


def test_on_loopback_the_development_defaults_still_serve(start_service: StartService) -> None:
    agenda = start_service("agenda", admin_token=DEV_ADMIN_TOKEN)
    agenda.wait_healthy(timeout=60)
