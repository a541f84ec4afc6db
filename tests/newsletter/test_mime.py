"""Mails composed by hand (valid MIME, bodies decode to the text with personal links) and
the choice of items per subscriber."""

from __future__ import annotations

import email
import email.policy
import quopri
from datetime import UTC, datetime

from vieasso.newsletter.adapters.mime import QpBody, Sender, compose
from vieasso.newsletter.domain.content import EditionContent, Item, Selector, matches
from vieasso.newsletter.domain.subscriber import Preferences, Topic

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


def test_selector_agrees_with_the_matching_rule() -> None:
    themes, quartiers = ("sport", "culture", "sante"), ("battant", "velotte", None)
    items = [
        Item(
            key=f"{topic.value}:{n}",
            topic=topic,
            title=str(n),
            url="https://x",
            when=datetime(2026, 11, 23, tzinfo=UTC),
            themes=frozenset(themes[: n % 4]),
            quartier=quartiers[n % 3],
        )
        for topic in Topic
        for n in range(12)
    ]
    content = EditionContent(
        associations=tuple(i for i in items if i.topic is Topic.ASSOCIATIONS),
        missions=tuple(i for i in items if i.topic is Topic.MISSIONS),
        events=tuple(i for i in items if i.topic is Topic.EVENEMENTS),
    )
    selector = Selector(content, max_per_section=5)
    for chosen_themes in ((), ("sport",), ("culture", "sante")):
        for chosen_quartiers in ((), ("battant",), ("velotte", "battant")):
            for topics in ((Topic.MISSIONS,), tuple(Topic)):
                preferences = Preferences(
                    themes=chosen_themes, quartiers=chosen_quartiers, topics=topics
                )
                expected: list[int] = []
                for topic in Topic:
                    picked = [
                        i
                        for i, item in enumerate(content.items)
                        if item.topic is topic and matches(item, preferences)
                    ]
                    expected += picked[:5]
                assert selector.select(preferences) == tuple(sorted(expected))
