"""Settings: environment variables, public URLs, and no development secret in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vieasso.common.settings import Settings


def test_settings_come_from_vieasso_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", "nats://a:4222, nats://b:4222")
    monkeypatch.setenv("VIEASSO_NATS_REPLICAS", "3")

    settings = Settings()

    assert settings.nats_servers == ["nats://a:4222", "nats://b:4222"]
    assert settings.nats_replicas == 3


def test_nats_credentials_never_reach_the_logs() -> None:
    settings = Settings(nats_url="nats://agenda:s3cret@nats-1:4222,tls://nats-2")

    assert settings.nats_servers_for_logs == ["nats://nats-1:4222", "tls://nats-2"]


def test_in_development_each_service_is_reached_on_its_own_port() -> None:
    settings = Settings(agenda_port=9002)

    assert settings.public_url("agenda") == "http://127.0.0.1:9002"
    assert settings.public_url("newsletter") == "http://127.0.0.1:8003"
    with pytest.raises(KeyError):
        settings.public_url("unknown")


def test_behind_the_proxy_every_service_shares_the_public_base_url() -> None:
    settings = Settings(
        public_base_url="https://asso.besancon.fr/",
        admin_token="x" * 32,
    )

    assert settings.public_url("annuaire") == "https://asso.besancon.fr"
    assert settings.public_url("agenda") == "https://asso.besancon.fr"


@pytest.mark.parametrize("token", ["dev-admin-token", "short"])
def test_a_public_deployment_refuses_the_development_or_a_short_admin_token(token: str) -> None:
    with pytest.raises(ValidationError, match="VIEASSO_ADMIN_TOKEN"):
        Settings(public_base_url="https://asso.besancon.fr", admin_token=token)
