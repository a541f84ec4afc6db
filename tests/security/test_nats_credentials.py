"""How a process gets its NATS credentials (settings, or the URL) and its own inbox prefix,
and that the password is never shown (logs use `nats_servers_for_logs`, settings hide it)."""

from __future__ import annotations

from faststream.security import SASLPlaintext

from vieasso.common.nats.connection import broker_options, connect_options
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.settings import Settings

PASSWORD = "n-very-secret-password"


def test_user_and_password_settings_give_credentials_and_the_users_inbox_prefix() -> None:
    settings = Settings(nats_url="nats://n1:4222,nats://n2:4222", nats_user="agenda",
                        nats_password=PASSWORD)  # fmt: skip
    options = connect_options(settings)
    assert options == {
        "servers": ["nats://n1:4222", "nats://n2:4222"],
        "user": "agenda",
        "password": PASSWORD,
        "inbox_prefix": "_INBOX_agenda",
    }
    broker = broker_options(settings)
    assert "password" not in broker
    assert "user" not in broker
    assert isinstance(broker["security"], SASLPlaintext)
    assert (broker["security"].username, broker["security"].password) == ("agenda", PASSWORD)
    assert NatsRuntime(settings, service="agenda").inbox_prefix == b"_INBOX_agenda."


def test_a_user_in_the_url_also_sets_the_inbox_prefix_and_is_hidden_from_logs() -> None:
    settings = Settings(nats_url=f"nats://newsletter:{PASSWORD}@nats-1:4222")
    assert settings.nats_user_name == "newsletter"
    assert connect_options(settings)["inbox_prefix"] == "_INBOX_newsletter"
    assert settings.nats_servers_for_logs == ["nats://nats-1:4222"]


def test_without_a_user_the_default_inbox_is_kept() -> None:
    settings = Settings(nats_url="nats://127.0.0.1:4222")
    assert connect_options(settings) == {"servers": ["nats://127.0.0.1:4222"]}
    assert NatsRuntime(settings, service="annuaire").inbox_prefix == b"_INBOX."


def test_settings_never_show_the_password() -> None:
    settings = Settings(nats_user="annuaire", nats_password=PASSWORD)
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())
