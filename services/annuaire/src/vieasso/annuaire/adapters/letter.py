"""An association's choice about the associations' letter, as the newsletter keeps it.

The choice is a fact on the ``NEWSLETTER`` stream (`LetterChoice`,
``newsletter.associations.<slug>.subscribed|unsubscribed``): the annuaire publishes the
changes made in the association space, the newsletter those made by an unsubscribe link,
and the current choice is the last of them (subscribed when there is none: the letter is
opt-out). Reading it is one JetStream "last message by subject" request.
"""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from vieasso.annuaire.adapters.kv import StorageError
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.subjects import letter_choices_of

STREAM = "NEWSLETTER"
FORM_VERSION = "espace-association-2026-12"


class LetterChoices:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js

    async def subscribed(self, slug: str) -> bool:
        """The association's current choice (True when it never chose)."""
        try:
            message = await self.js.get_last_msg(STREAM, letter_choices_of(slug))
        except NotFoundError:
            return True
        except NatsError as exc:
            raise StorageError(f"{STREAM} {slug}: {exc!r}") from exc
        try:
            return LetterChoice.model_validate_json(message.data or b"").subscribed
        except ValidationError:
            return True
