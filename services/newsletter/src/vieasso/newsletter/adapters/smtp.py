"""A pool of SMTP connections (aiosmtplib) and a global rate limit.

Every answer is turned into an `SmtpReply`; connection problems (refused, dropped,
timed out) into `SmtpUnavailable`. A connection that failed is closed and replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import aiosmtplib

from vieasso.newsletter.config import NewsletterSettings

SERVICE_CLOSING = 421


@dataclass(frozen=True)
class SmtpReply:
    code: int
    message: str


class SmtpUnavailable(RuntimeError):
    """No answer from the relay (refused, dropped, timed out): try again later."""


class RateLimit:
    """At most `rate` acquisitions per second across every task (0: unlimited).

    Each caller reserves the next free slot under a lock, then sleeps until it: concurrent
    callers get distinct slots, so the rate holds however many tasks send.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SmtpPool:
    def __init__(self, settings: NewsletterSettings) -> None:
        self._settings = settings
        self._idle: asyncio.Queue[aiosmtplib.SMTP | None] = asyncio.Queue()
        for _ in range(settings.smtp_pool_size):
            self._idle.put_nowait(None)  # a slot; connected on first use
        self.rate = RateLimit(settings.send_rate)

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_tls,
            start_tls=True if s.smtp_starttls else None if s.smtp_tls else False,
            timeout=s.smtp_timeout,
        )

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[Lease]:
        """A connection of the pool, once the rate limit lets it send.

        Callers that record "sending" before an SMTP transaction (the delivery ledger) take
        the lease first: what they record is then about to go out, not waiting in a queue,
        and a crash leaves at most one delivery in doubt per connection.
        """
        lease = Lease(self._client, await self._idle.get())
        try:
            await self.rate.acquire()
            yield lease
        finally:
            self._idle.put_nowait(lease.client)

    async def send(self, sender: str, recipient: str, message: bytes) -> SmtpReply:
        """One SMTP transaction on a pooled connection, after the rate limit allows it."""
        async with self.lease() as lease:
            return await lease.send(sender, recipient, message)

    async def close(self) -> None:
        while not self._idle.empty():
            _discard(self._idle.get_nowait())


class Lease:
    """One pooled connection lent to one caller; connected on first use, replaced on failure."""

    def __init__(self, connect: Callable[[], aiosmtplib.SMTP], client: aiosmtplib.SMTP | None):
        self._connect = connect
        self.client = client

    async def send(self, sender: str, recipient: str | Sequence[str], message: bytes) -> SmtpReply:
        """One SMTP transaction (to several recipients: one RCPT each, refused as a whole
        when any is).

        MAIL, RCPT and DATA are sent one by one rather than with `sendmail`, which would
        scan the message an extra time to announce its SIZE.
        """
        client = self.client
        try:
            if client is None or not client.is_connected:
                client = self.client = self._connect()
                await client.connect()
            return await _transaction(client, sender, recipient, message)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == SERVICE_CLOSING or exc.code >= 600:  # noqa: PLR2004
                _discard(client)
                self.client = None
            return SmtpReply(exc.code, exc.message)
        except ValueError:  # an address aiosmtplib cannot put in an envelope
            return SmtpReply(553, "5.1.3 Bad recipient address syntax")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            _discard(client)
            self.client = None
            raise SmtpUnavailable(type(exc).__name__) from exc


async def _transaction(
    client: aiosmtplib.SMTP, sender: str, recipient: str | Sequence[str], message: bytes
) -> SmtpReply:
    await client.mail(sender)
    try:
        for address in [recipient] if isinstance(recipient, str) else recipient:
            await client.rcpt(address)
        response = await client.data(message)
    except aiosmtplib.SMTPResponseException:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await client.rset()  # a clean envelope for the next mail on this connection
        raise
    return SmtpReply(response.code, response.message)


def _discard(client: aiosmtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()
