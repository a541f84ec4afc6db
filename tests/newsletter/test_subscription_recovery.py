"""A subscription request is never lost with the replica that took it (issue 18).

The form and the API answer before handling the request (the answer must not tell whether
the address is known); the request is first written to ``newsletter_requests``. A replica
killed -9 before it handled the request, or between recording it and mailing the
confirmation, leaves it there: the replica holding the lease ``newsletter.requests`` handles
it once it is older than ``subscribe_recover_after_seconds``. Real nats-server, real SMTP
(aiosmtpd). The same, with real processes and kill -9: tests/platform/test_rolling_restart.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.newsletter.conftest import mails_to, random_email, running, until
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.adapters import subscribers
from vieasso.newsletter.adapters.requests import BUCKET, PendingRequest, PendingRequests
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
)
from vieasso.newsletter.handlers.mails import confirmation_id

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

QUICK = 5  # seconds: the shortest delay the setting allows


async def left_behind(
    js: JetStreamContext, email: str, clock: FrozenClock
) -> tuple[str, PendingRequest]:
    """A request a dead replica took a minute ago and never handled."""
    await provision(js, 1)
    taken = PendingRequest(
        email=email,
        preferences=Preferences(themes=("culture",)),
        ip="203.0.113.5",
        requested_at=clock.now() - timedelta(minutes=1),
    )
    return await (await PendingRequests.open(js)).add(taken), taken


async def gone(js: JetStreamContext, key: str) -> bool:
    try:
        await (await js.key_value(BUCKET)).get(key)
    except KeyNotFoundError:
        return True
    return False


async def test_a_request_taken_by_a_dead_replica_is_recorded_and_mailed_by_another(
    js: JetStreamContext,
    newsletter_settings: NewsletterSettings,
    clock: FrozenClock,
    smtp_server: SmtpServer,
) -> None:
    email = random_email("orphelin")
    key, taken = await left_behind(js, email, clock)
    settings = newsletter_settings.model_copy(update={"subscribe_recover_after_seconds": QUICK})
    async with running(settings, clock) as app:
        await until(lambda: mails_to(smtp_server, email), seconds=30)
        found = await app.newsletter.store.find(email)
        assert found is not None
        subscriber = found[0]
        assert subscriber.state is SubscriberState.PENDING
        assert subscriber.consent.requested_at == taken.requested_at
        assert subscriber.consent.ip == "203.0.113.5"
        assert subscriber.preferences.themes == ("culture",)
        assert await gone(js, key)
    assert len(mails_to(smtp_server, email)) == 1


async def test_a_request_recorded_but_not_mailed_before_a_crash_is_mailed_once(
    js: JetStreamContext,
    newsletter_settings: NewsletterSettings,
    clock: FrozenClock,
    smtp_server: SmtpServer,
) -> None:
    """The replica recorded the subscriber (so « one mail per hour » would now refuse a new
    request) and died before mailing: the recovery mails this very request's confirmation."""
    email = random_email("interrompu")
    key, taken = await left_behind(js, email, clock)
    settings = newsletter_settings.model_copy(update={"subscribe_recover_after_seconds": QUICK})
    consent = Consent(
        requested_at=taken.requested_at, ip=taken.ip, form_version=settings.form_version
    )
    recorded = Subscriber(
        id=new_subscriber_id(),
        email=email,
        preferences=taken.preferences,
        state=SubscriberState.PENDING,
        consent=consent,
        created_at=taken.requested_at,
        updated_at=taken.requested_at,
    )
    assert await SubscriberStore(await js.key_value(subscribers.BUCKET)).add(recorded)
    async with running(settings, clock) as app:
        await until(lambda: mails_to(smtp_server, email), seconds=30)
        assert await gone(js, key)
        again = await app.client.post("/api/subscriptions", json={"email": email})
        assert again.status_code == 202
        await app.newsletter.subscriptions.drain()
    mailed = mails_to(smtp_server, email)
    assert len(mailed) == 1  # and not again within the hour
    # the message the dead replica would have sent: a copy already delivered is the same mail
    assert mailed[0]["Message-ID"] == f"<{confirmation_id(recorded, settings.domain)}>"
