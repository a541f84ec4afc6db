"""`send-digest --dry-run` writes nothing; `--preview EMAIL` sends one mail, outside editions."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from rich.console import Console

from tests.newsletter import facts
from tests.newsletter.conftest import mails_to, random_email
from tests.support.smtp import SmtpServer
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import edition_id
from vieasso.newsletter.entrypoints.cli_digest import _run

pytestmark = [pytest.mark.nats, pytest.mark.smtp]


async def test_dry_run_writes_nothing_and_preview_sends_one_mail(
    js: JetStreamContext, newsletter_settings: NewsletterSettings, smtp_server: SmtpServer
) -> None:
    await provision(js, replicas=1)
    subject, fact = facts.association_validated(
        datetime.now(UTC) - timedelta(hours=2), name="Ciné-club", themes=("culture",), quartier=None
    )
    await js.publish(subject, fact.model_dump_json().encode())
    out = io.StringIO()
    console = Console(file=out, width=120)

    assert await _run(newsletter_settings, Frequency.HEBDOMADAIRE, True, None, console) == 0
    assert "--dry-run" in out.getvalue()
    eid = edition_id(Frequency.HEBDOMADAIRE, datetime.now(UTC), ZoneInfo("Europe/Paris"))
    kv = await js.key_value("newsletter_editions")
    with pytest.raises(KeyNotFoundError):
        await kv.get(f"edition.{eid}")

    email = random_email("apercu")
    assert await _run(newsletter_settings, Frequency.HEBDOMADAIRE, False, email, console) == 0
    (mail,) = mails_to(smtp_server, email)
    assert mail["Subject"].startswith("[Aperçu]")
    assert "Ciné-club" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
