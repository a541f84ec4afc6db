"""Request-size guard: no service reads more of a body than its limit (413 beyond).

Checked twice: the declared `Content-Length` before the app runs (nothing is read), and the
bytes actually streamed, so a chunked body without `Content-Length` is cut at the limit too.
The limit is `VIEASSO_MAX_BODY_BYTES` (1 MiB), or the one of the longest path prefix given to
`build_app(body_limits={"/prefix": bytes})` for the routes that need more (image uploads; a
`*` in a prefix stands for one path segment: `/api/associations/*/images`).

Forms parsed by hand use `bounded_form` (bounded fields, parts and no files); `Form()` parameters
get the same bounds from `FORM_LIMITS` on the app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, TypedDict

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vieasso.common.http.refusal import refuse
from vieasso.common.settings import Settings

MIB: Final = 1024 * 1024
TOO_LARGE = "Envoi trop volumineux : la demande dépasse la taille que ce service accepte."
FORM_TOO_LARGE = (
    "Formulaire refusé : il contient trop de champs, un champ trop long ou un fichier joint."
)
MAX_FORM_FIELDS: Final = 200
MAX_FORM_PART_BYTES: Final = 64 * 1024


class FormLimits(TypedDict, total=False):
    """The shape of FastAPI's `form_limits`."""

    max_files: int
    max_fields: int
    max_part_size: int


FORM_LIMITS: Final = FormLimits(
    max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES
)
_FORM_LIMIT_MESSAGES = ("Too many fields", "Too many files", "Field exceeded maximum size")
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(HTTPException):
    """Raised by `receive` past the limit; an HTTPException so FastAPI lets it through."""

    def __init__(self, detail: str = TOO_LARGE) -> None:
        super().__init__(413, detail)


class BodyLimit:
    """Pure ASGI middleware: 413 past the path's limit, declared or streamed."""

    def __init__(
        self, app: ASGIApp, *, settings: Settings, body_limits: Mapping[str, int] = {}
    ) -> None:
        self.app = app
        self.settings = settings
        self.default = settings.max_body_bytes
        ordered = sorted(body_limits.items(), key=lambda item: -len(item[0]))
        self.prefixes = [(_prefix_pattern(p), n) for p, n in ordered]

    def limit_for(self, path: str) -> int:
        return next((n for p, n in self.prefixes if p.match(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if (declared_length(scope) or 0) > limit:
            await refuse(scope, receive, send, settings=self.settings, status=413, detail=TOO_LARGE)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await refuse(scope, receive, send, settings=self.settings, status=413, detail=TOO_LARGE)


def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    """A path prefix where `*` stands for one path segment: `/api/associations/*/images`."""
    return re.compile("[^/]+".join(re.escape(part) for part in prefix.split("*")))


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length` (None when absent or not a number)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def bounded_form(request: Request, *, max_files: int = 0) -> FormData:
    """`request.form()` with the bounds of `FORM_LIMITS` (a person's form has no files, but
    where `max_files` says; a file's size is bounded by the path's body limit); past them,
    the French 413 (Starlette says 400 with an English reason)."""
    try:
        return await request.form(
            max_files=max_files, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES
        )
    except HTTPException as exc:
        if not is_form_limit(exc):
            raise
        raise BodyTooLarge(FORM_TOO_LARGE) from exc


def is_form_limit(exc: HTTPException) -> bool:
    """Starlette's 400 for a form past `max_fields`/`max_files`/`max_part_size` (the form
    parser has no exception of its own for them: its English message tells)."""
    return exc.status_code == 400 and str(exc.detail).startswith(_FORM_LIMIT_MESSAGES)  # noqa: PLR2004


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused (`BodyTooLarge`) as soon as it passes `limit`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)
