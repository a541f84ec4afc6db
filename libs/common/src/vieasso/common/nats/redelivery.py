"""A message that keeps failing: retried with a growing delay, then dead-lettered for good.

Every durable work consumer (the agenda's submissions, the newsletter's deliveries) is
declared with ``max_deliver = MAX_DELIVER`` and hands each message to `Redelivery.handle`:

- deliveries 1 to `ATTEMPTS`: the handler runs. When it raises, the message is nak'd with a
  delay that doubles with each delivery (from the consumer's base delay up to a minute), so
  a passing NATS, KV or SMTP fault is retried for minutes before anything is given up;
- a later delivery: the handler does not run. The message goes to ``DEADLETTER``
  (``deadletter.<service>.<original subject>``) with the reason and the last error this
  process saw, then is terminated. A message during which the process hung or died was
  never nak'd, but the server counted each redelivery after ``ack_wait``: it ends there too;
- ``MAX_DELIVER`` leaves `DEAD_LETTER_TRIES` deliveries to that last step, should the
  dead-letter stream be unreachable at that moment; then the server stops for good (the
  message stays in its stream, and the server publishes its MAX_DELIVERIES advisory).

Why the delivery count (``num_delivered``, from the server with each message) rather than
the server's MAX_DELIVERIES advisory: an advisory is a plain NATS message, lost when nobody
listens, and the process that hung on the message is the one that would have listened.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from vieasso.common.nats.deadletter import publish_dead_letter

log = logging.getLogger(__name__)

ATTEMPTS = 10
DEAD_LETTER_TRIES = 3
MAX_DELIVER = ATTEMPTS + DEAD_LETTER_TRIES
MAX_RETRY_DELAY = 60.0  # seconds
_REMEMBERED = 1000  # last errors kept, by stream sequence

Handler = Callable[[Msg], Awaitable[None]]


def deliveries(msg: Msg) -> int:
    """How many times the server delivered `msg` (this delivery included)."""
    return int(msg.metadata.num_delivered)


class Redelivery:
    """The retry and dead-letter policy of one consumer of `service`."""

    def __init__(
        self,
        js: JetStreamContext,
        service: str,
        *,
        attempts: int = ATTEMPTS,
        retry_delay: float = 2.0,
    ) -> None:
        self._js = js
        self.service = service
        self.attempts = attempts
        self.retry_delay = retry_delay
        self._errors: OrderedDict[int, str] = OrderedDict()

    def delay(self, delivered: int) -> float:
        """The nak delay after the `delivered`-th failure."""
        return float(min(MAX_RETRY_DELAY, self.retry_delay * 2 ** min(delivered - 1, 16)))

    async def handle(self, msg: Msg, handler: Handler) -> None:
        """Run `handler` on `msg`, nak it when that raises, dead-letter it when out of tries.

        `handler` acknowledges the message itself when it is done with it.
        """
        delivered = deliveries(msg)
        if delivered > self.attempts:
            await self._give_up(msg, delivered)
            return
        try:
            await handler(msg)
        except Exception as exc:
            self._remember(msg, exc)
            log.exception(
                "message not processed (delivery %d of %d); retrying later",
                delivered, self.attempts, extra={"subject": msg.subject},
            )  # fmt: skip
            with contextlib.suppress(Exception):  # lost with the connection: ack_wait redelivers
                await msg.nak(delay=self.delay(delivered))

    async def _give_up(self, msg: Msg, delivered: int) -> None:
        seq = msg.metadata.sequence.stream
        last = self._errors.pop(seq, None) or (
            "none seen by this process (it may have stopped or hung while handling it)"
        )
        reason = f"delivered {delivered} times without being acknowledged; last error: {last}"
        try:
            await publish_dead_letter(self._js, self.service, msg, reason)
            await msg.term()
        except Exception:
            log.exception("could not dead-letter a message; the next delivery tries again")
            with contextlib.suppress(Exception):
                await msg.nak(delay=self.retry_delay)
            return
        log.error("message dead-lettered: %s", reason, extra={"subject": msg.subject})

    def _remember(self, msg: Msg, exc: Exception) -> None:
        seq = msg.metadata.sequence.stream
        self._errors[seq] = f"{type(exc).__name__}: {exc}"[:1000]
        self._errors.move_to_end(seq)
        while len(self._errors) > _REMEMBERED:
            self._errors.popitem(last=False)
