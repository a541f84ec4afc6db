"""The lending mails through the real path (SPEC §8): the ressources service asks, the
newsletter mails the association's private contact and the city's lending team, and
publishes the outcomes. Real nats-server, real SMTP (aiosmtpd)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from nats.js import JetStreamContext

from tests.newsletter.conftest import App, mails_to, random_email, until
from tests.newsletter.courrier_support import annuaire_publish, polled, put_association, read_stream
from tests.newsletter.lending_support import CITY_LINK, MINE, PLACE, VALID
from tests.support.smtp import SmtpServer
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import LENDING_TEAM, Template, ToAssociation, ToCity

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

SERVICE = "ressources"
TEAM_ADDRESS = "prets@ville.localhost"  # the default `VIEASSO_COURRIER_CITY_TEAMS`


async def outcomes(js: JetStreamContext, *keys: str) -> dict[str, str]:
    """key → subject of the outcomes published for the ressources service's `keys`."""
    found = await read_stream(js, "COURRIER_OUTCOMES", f"courrier.*.{SERVICE}")
    bodies = ((subject, json.loads(data)) for subject, data in found)
    return {body["key"]: subject for subject, body in bodies if body["key"] in keys}


def text_of(mail: Any) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    content: str = part.get_content().replace("\r\n", "\n")
    return content


async def test_a_partial_approval_reaches_the_association_and_a_request_the_lending_team(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    js = newsletter_app.newsletter.js
    publish = annuaire_publish(js)
    email = random_email("contact")
    name = f"Les Amis de Battant {secrets.token_hex(2)}"
    slug = await put_association(js, name=name, email=email)
    decision, request = f"decision.{slug}", f"demande.{slug}.{secrets.token_hex(3)}"
    await request_mail(
        publish, SERVICE, key=decision, to=ToAssociation(association=slug),
        template=Template.PRET_DECISION, params=VALID[Template.PRET_DECISION],
    )  # fmt: skip
    await request_mail(
        publish, SERVICE, key=request, to=ToCity(city=LENDING_TEAM),
        template=Template.PRET_DEMANDE,
        params={**VALID[Template.PRET_DEMANDE], "association_name": name,
                "association_slug": slug},
    )  # fmt: skip

    await until(lambda: mails_to(smtp_server, email), seconds=20)
    [mail] = mails_to(smtp_server, email)
    assert mail["Subject"] == "Réponse à votre demande de prêt : accordée en partie"
    assert mail["Message-ID"] == f"<courrier.{SERVICE}.{decision}@vie-associative.besancon.fr>"
    text = text_of(mail)
    for fact in (
        f"Bonjour {name},",
        "La Ville de Besançon accorde en partie votre demande de prêt du samedi 12 juin 2027 "
        "au dimanche 13 juin 2027",
        "- Barnum 3×3 m : quantité demandée : 2 ; accordée : 1",
        "- Chaise pliante : quantité demandée : 40 ; accordée : 40",
        "Raison indiquée par la Ville :\n\nUn seul barnum est libre ce week-end.",
        "Retrait : le samedi 12 juin 2027",
        f"Lieu de retrait : {PLACE}",
        "Retour : le dimanche 13 juin 2027",
        "Caution à apporter : 1\u202f500\u00a0€",
        f"Vos réservations :\n{MINE}",
    ):
        assert fact in text, fact

    def to_team() -> list[Any]:
        return [m for m in mails_to(smtp_server, TEAM_ADDRESS) if request in m["Message-ID"]]

    await until(to_team, seconds=20)
    [team_mail] = to_team()
    assert team_mail["Subject"] == f"Nouvelle demande de prêt : {name}"
    team_text = text_of(team_mail)
    assert "Bonjour,\n" in team_text
    assert f"L’association « {name} » ({slug}) demande un prêt" in team_text
    assert CITY_LINK in team_text

    found = await polled(lambda: _both(js, decision, request))
    assert found == {decision: "courrier.sent.ressources", request: "courrier.sent.ressources"}
    assert len(mails_to(smtp_server, email)) == 1


async def _both(js: JetStreamContext, *keys: str) -> dict[str, str] | None:
    found = await outcomes(js, *keys)
    return found if len(found) == len(keys) else None
