"""The deadline alert mails end to end: the aides service in-process on a nats-server of its
own, a real newsletter process and a real SMTP server (aiosmtpd). An association follows a
call; swept 30 days before (twice, and again by a fresh process), it gets one mail; swept 7
days before, a second; a yearly window alerts again the next year."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from tests.aides.aides_app import NOW, Client, put_scheme, running_aides
from tests.newsletter.conftest import mails_to, until
from tests.newsletter.courrier_support import put_association
from tests.support.nats_server import NatsServer
from tests.support.services import StartService
from tests.support.smtp import SmtpServer
from vieasso.aides.entrypoints.alerts import AlertSchedule
from vieasso.aides.handlers.follows import follow
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of its own: the newsletter empties the COURRIER work queue it consumes."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def at(client: Client, moment: datetime) -> None:
    client.clock.advance(moment - client.clock.now())


def sweeper(client: Client) -> AlertSchedule:
    schedule: AlertSchedule = client.app.state.aides_alerts
    return schedule


async def test_followed_deadline_mailed_30_and_7_days_before(
    own_nats: NatsServer, smtp_server: SmtpServer, start_service: StartService
) -> None:
    nc = await nats.connect(own_nats.url)
    try:
        js: JetStreamContext = nc.jetstream()
        await provision(js, 1)
        start_service("newsletter", nats_url=own_nats.url, smtp_port=smtp_server.port).wait_healthy(
            60
        )
        email = f"contact-{secrets.token_hex(3)}@asso.localhost"
        slug = await put_association(js, name=f"Les Amis {secrets.token_hex(2)}", email=email)
        async with running_aides(own_nats.url, js) as client:
            deadline = (NOW + timedelta(days=45)).date()
            call = await put_scheme(
                client, name="Appel à projets Jeunesse", kinds=("appel-a-projets",),
                deadlines={"kind": "date", "deadline": deadline.isoformat()},
                application={"url": "https://lecompteasso.associations.gouv.fr/"},
            )  # fmt: skip
            autumn = await put_scheme(
                client, name="Subvention annuelle",
                deadlines={"kind": "annuel", "opens_month": 9, "opens_day": 1,
                           "closes_month": 10, "closes_day": 15},
            )  # fmt: skip
            not_followed = await put_scheme(
                client, deadlines={"kind": "date", "deadline": deadline.isoformat()}
            )
            service = client.service
            for scheme in (call, autumn):
                await follow(service.follows, client.clock, slug, scheme.id, lambda _: True)
            alerts = sweeper(client)
            assert await alerts.sweep() == []  # 45 days before: nothing yet

            at(client, NOW + timedelta(days=15))  # 30 days before
            assert await alerts.sweep() == [f"aide.{call.id}.{deadline}.30.{slug}"]
            assert await alerts.sweep() == []  # asked already by this process
            fresh = AlertSchedule(service)  # a restart: asked again, the newsletter drops it
            assert await fresh.sweep() == [f"aide.{call.id}.{deadline}.30.{slug}"]
            await until(lambda: mails_to(smtp_server, email), seconds=60)
            [first] = mails_to(smtp_server, email)
            assert first["Subject"] == "Date limite proche : Appel à projets Jeunesse"
            text = text_of(first)
            assert "se termine dans 30 jours : date limite de dépôt le jeudi 29 avril 2027." in text
            assert f"/aides/{call.id}\n" in text
            assert "https://lecompteasso.associations.gouv.fr/" in text
            assert not_followed.id not in text

            at(client, NOW + timedelta(days=40))  # 5 days before
            assert await alerts.sweep() == [f"aide.{call.id}.{deadline}.7.{slug}"]
            await until(lambda: len(mails_to(smtp_server, email)) >= 2, seconds=60)
            assert "se termine dans 5 jours" in text_of(mails_to(smtp_server, email)[1])

            for year in (2027, 2028):  # the yearly window: each year
                at(client, NOW.replace(year=year, month=10, day=1))
                assert await alerts.sweep() == [f"aide.{autumn.id}.{year}-10-15.30.{slug}"]
            await until(lambda: len(mails_to(smtp_server, email)) >= 4, seconds=60)
        subjects = [str(m["Subject"]) for m in mails_to(smtp_server, email)]
        assert subjects.count("Date limite proche : Appel à projets Jeunesse") == 2
        assert subjects.count("Date limite proche : Subvention annuelle") == 2
    finally:
        await nc.close()
