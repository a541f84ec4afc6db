"""The lending mails end to end: the ressources' use cases on a nats-server of their own, a
real newsletter process (`vieasso-newsletter serve`) and a real SMTP server (aiosmtpd). A
request reaches the city's lending team; a partial approval reaches the association's
contact with the granted quantities and the reason; the reminder sweeper, run twice with an
injected clock, mails one reminder per loan."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from tests.newsletter.conftest import mails_to, until
from tests.ressources.conftest import Catalogue, day
from tests.ressources.mails_support import known_association, loan_service
from tests.support.nats_server import NatsServer
from tests.support.services import StartService
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.reminders import send_reminders
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import mark_ready, pick_up

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.timeout(180)]

TEAM = "prets@ville.localhost"  # the default `VIEASSO_COURRIER_CITY_TEAMS`
PICKUP_EVE = timedelta(days=9)  # NOW + 9 days, 10:00 in Paris: the day before pickup


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


def subjects_to(smtp: SmtpServer, address: str) -> list[str]:
    return [str(m["Subject"]) for m in mails_to(smtp, address)]


async def test_request_partial_approval_and_reminders_reach_the_team_and_the_association(
    own_nats: NatsServer, smtp_server: SmtpServer, start_service: StartService, clock: FrozenClock
) -> None:
    nc = await nats.connect(own_nats.url)
    try:
        js: JetStreamContext = nc.jetstream()
        await provision(js, 1)
        start_service("newsletter", nats_url=own_nats.url, smtp_port=smtp_server.port).wait_healthy(
            60
        )
        catalogue = Catalogue(js)
        barnum = await catalogue.model(3, deposit_eur=150, storage_place="Magasin municipal")
        room = await catalogue.room(name="Salle Battant")
        async with loan_service(js, own_nats.url, clock) as service:
            email = f"contact-{secrets.token_hex(3)}@asso.localhost"
            name = f"Les Amis de Battant {secrets.token_hex(2)}"
            slug = await known_association(js, service, name, email)
            unit = service.lending()
            request = LoanRequest(
                starts_on=day(10), ends_on=day(12),
                lines=(RequestLine(resource_id=barnum.id, quantity=2),
                       RequestLine(resource_id=room.id, kind=ResourceKind.ROOM)),
            )  # fmt: skip
            loan = await request_loan(unit, slug, request)

            def to_team() -> list[EmailMessage]:
                return [m for m in mails_to(smtp_server, TEAM) if loan.id in str(m["Message-ID"])]

            await until(to_team, seconds=60)
            [team] = to_team()
            assert team["Subject"] == f"Nouvelle demande de prêt : {name}"
            assert f"L’association « {name} » ({slug}) demande un prêt" in text_of(team)
            assert f"/espace-ville/prets#{loan.id}" in text_of(team)

            await approve(unit, loan.id, [1, 1])
            await until(lambda: mails_to(smtp_server, email), seconds=60)
            [decision] = mails_to(smtp_server, email)
            assert decision["Subject"] == "Réponse à votre demande de prêt : accordée en partie"
            text = text_of(decision)
            for fact in (
                f"Bonjour {name},",
                "- Barnum 3×3 m : quantité demandée : 2 ; accordée : 1",
                "- Salle Battant : quantité demandée : 1 ; accordée : 1",
                "Le stock de la Ville ne permet pas de prêter toutes les unités demandées",
                "Lieu de retrait : Magasin municipal ; Salle Battant",
                "Caution à apporter : 150\u00a0€",
            ):
                assert fact in text, fact

            assert service.mails is not None
            loans = [service.loans.items[loan.id]]
            eve = clock.now() + PICKUP_EVE
            assert await send_reminders(service.mails, loans, eve, from_hour=8) == [loan.id]
            assert await send_reminders(service.mails, loans, eve, from_hour=8) == []
            await mark_ready(unit, loan.id)
            await pick_up(unit, loan.id)
            loans = [service.loans.items[loan.id]]
            return_eve = eve + timedelta(days=2)
            assert await send_reminders(service.mails, loans, return_eve, from_hour=8) == [loan.id]

        def reminders() -> list[str]:
            return [s for s in subjects_to(smtp_server, email) if s.startswith("Rappel")]

        await until(lambda: len(reminders()) >= 2, seconds=60)
        assert sorted(reminders()) == [
            "Rappel : retour de votre prêt",
            "Rappel : retrait de votre prêt",
        ]
        [retrait] = [m for m in mails_to(smtp_server, email) if "retrait" in str(m["Subject"])]
        assert "Ce qui vous est prêté :\n\n- 1 × Barnum 3×3 m\n\n" in text_of(retrait)
        assert "Lieu de retrait : Magasin municipal\n" in text_of(retrait)  # no room: no keys
        assert "une caution de 150\u00a0€" in text_of(retrait)
        assert len(mails_to(smtp_server, email)) == 3
    finally:
        await nc.close()
