"""Mails composed by hand: valid MIME, bodies decode to the text with personal links."""

from __future__ import annotations

import email
import email.policy
import quopri
from datetime import UTC, datetime

from vieasso.newsletter.adapters.mime import QpBody, Sender, compose

SLOT = "__LINK__"


def test_encoded_once_body_decodes_with_each_value_and_short_lines() -> None:
    text = ("Été à Besançon — " * 20 + f'<a href="{SLOT}">lien</a>\n') * 3 + "fin = 1\n"
    body = QpBody(text, (SLOT,))
    url = "https://exemple.fr/desabonnement?token=" + "A" * 90
    encoded = body.fill({SLOT: url})
    assert quopri.decodestring(encoded).decode() == text.replace(SLOT, url)
    assert max(len(line) for line in encoded.split(b"\n")) <= 76


def test_composed_mail_parses_with_both_parts_and_headers() -> None:
    sender = Sender.of("Vie associative Besançon", "lettre@example.org", "Lettre — été", "l.ex")
    raw = compose(
        sender,
        to="lecteur@example.org",
        message_id="2026-w48.abc@example.org",
        date=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        html=QpBody("<p>Bonjour é</p>", ()).fill({}),
        text=QpBody("Bonjour é", ()).fill({}),
        unsubscribe="https://example.org/desabonnement?token=x",
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Lettre — été"
    assert message["From"].addresses[0].display_name == "Vie associative Besançon"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert html.get_content() == "<p>Bonjour é</p>"
    assert text.get_content() == "Bonjour é"
