"""Demo subscribers for `make run` (confirmed, idempotent: found by address)."""

from __future__ import annotations

from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
)
from vieasso.newsletter.service import standalone

DEMO = (
    ("demo.tout@example.org", Preferences()),
    ("demo.battant@example.org", Preferences(quartiers=("battant",))),
    ("demo.culture-sport@example.org", Preferences(themes=("culture", "sport"))),
)


async def add_demo_subscribers(settings: NewsletterSettings) -> list[str]:
    lines: list[str] = []
    async with standalone(settings) as newsletter:
        now = newsletter.clock.now()
        for email, preferences in DEMO:
            if await newsletter.store.find(email) is not None:
                lines.append(f"{email} : déjà abonné·e")
                continue
            subscriber = Subscriber(
                id=new_subscriber_id(),
                email=email,
                preferences=preferences,
                state=SubscriberState.ACTIVE,
                consent=Consent(requested_at=now, form_version="demo", confirmed_at=now),
                created_at=now,
                updated_at=now,
            )
            await newsletter.store.add(subscriber)
            lines.append(f"{email} : abonné·e ({newsletter.links.preferences(subscriber.id)})")
    return lines
