"""Dead letters (stream ``DEADLETTER``): messages that could not be processed, with why."""

from __future__ import annotations

from pydantic import Field

from vieasso.common.messages.base import Message


class DeadLetter(Message):
    """A message a service gave up on; the original stays in its own stream too."""

    service: str
    original_subject: str
    original_message_id: str | None = None
    error: str = Field(description="Why it could not be processed (English, for operators).")
    payload: str = Field(description="The original body, decoded as UTF-8 with replacement.")
    payload_truncated: bool = False
    headers: dict[str, str] = Field(default_factory=dict)
