"""Base of every message: identity, time and schema version; shared field types."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[
    str,
    Field(min_length=1, max_length=80, pattern=SLUG_PATTERN, examples=["les-amis-de-battant"]),
]
"""Lower-case ASCII words joined by hyphens: safe as a NATS subject token and in URLs."""

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=SLUG_PATTERN)]
"""A code from the reference data (theme, quartier)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def _single_line(value: str) -> str:
    if _LINE_BREAK.search(value) or _CONTROL.search(value):
        raise ValueError("single_line")
    return value.strip()


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control_characters")
    return value


Line = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_single_line)]
"""Text on one line: no CR/LF (header and iCalendar injection) nor control characters.
Stripped *before* the length limits a field adds (`Field(min_length=1)`): stripped after, a
lone tab or space passed `min_length`, was stored as "" and the stored record could no longer
be read (schemathesis found it: a catalogue entry named "\t")."""

Text = Annotated[str, AfterValidator(_no_control)]
"""Free text: line breaks allowed, control characters refused."""

WebUrl = HttpUrl
"""An absolute http(s) URL (pydantic refuses other schemes)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Base of every message on NATS.

    ``message_id`` is also sent as the ``Nats-Msg-Id`` header so that JetStream drops a
    duplicate publish; handlers use it (or a ``uuid5`` derived from it) to stay idempotent.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    SCHEMA_VERSION: ClassVar[int] = 1

    message_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    schema_version: int = Field(default=1, ge=1)


class FieldError(BaseModel):
    """One reason a piece of input was refused, in French, for the person who typed it."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Dotted path of the field, e.g. `place.postal_code`.")
    message: str = Field(description="What is wrong, in French.")
    code: str = Field(description="Stable machine code, e.g. `string_too_long`.")
