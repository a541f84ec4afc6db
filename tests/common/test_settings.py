"""Settings: environment variables, public URLs, and no development secret in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vieasso.common.settings import Settings, is_loopback


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


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("::", False), ("", False),  # noqa: S104
     ("192.168.1.20", False), ("10.0.0.5", False), ("agenda.example.org", False)],
)  # fmt: skip
def test_only_loopback_addresses_keep_the_server_on_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_unsafe_secrets_names_each_variable_left_at_its_default_or_too_short() -> None:
    assert Settings().unsafe_secrets() == ["VIEASSO_ADMIN_TOKEN"]
    assert Settings(admin_token="court").unsafe_secrets() == ["VIEASSO_ADMIN_TOKEN"]
    assert Settings(admin_token="x" * 24).unsafe_secrets() == []


def test_a_refused_setting_does_not_print_the_secrets_beside_it() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(public_base_url="https://asso.besancon.fr", admin_token="zq7x-court")
    assert "zq7x" not in str(refused.value)  # pydantic used to print its first 8 characters
