"""The Aides-territoires API client: the token exchanged for a JWT, the aids of one perimeter
for associations, page by page (≤ 100 a page, following `next`), with retries.

API as its public source says (MTES-MCT/aides-territoires-symfony): `POST /api/connexion/`
with the `X-AUTH-TOKEN` header answers `{"token": <JWT>}` (lexik JWT, valid 24 h), sent
after as `Authorization: Bearer`; `GET /api/perimeters/?insees=<code>&scale=commune` finds the
commune's perimeter (`id` is "<number>-<slug>"); `GET /api/aids/?perimeter_id=<number>&
organization_type_slugs=association&itemsPerPage=100` lists the aids of that perimeter and of
the perimeters around it (EPCI, département, région, France), as
`{"count", "previous", "next", "results"}`. A 5xx answer, a timeout or a dropped connection
is retried with exponential backoff, a 429 after its `Retry-After`; a 401 once with a fresh
JWT.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API's maximum (ApiController::MAX_ITEMS_PER_PAGE)
AUDIENCE = "association"  # organization_type_slugs (formerly `targeted_audiences`)
OK, UNAUTHORIZED, TOO_MANY = 200, 401, 429
RETRIED = frozenset({TOO_MANY, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0


class SourceUnavailable(RuntimeError):
    """Aides-territoires could not be read; `message` is French, for the report."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    count: int  # aids in the whole listing
    results: list[Any]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / PAGE_SIZE))


Sleep = Callable[[float], Awaitable[None]]


class AidesTerritoires:
    """One sync's session with the API (`async with`: the HTTP client is closed after)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._jwt: str | None = None
        self.retries = 0  # answers retried in this session (the report says how many)
        self._http = httpx.AsyncClient(
            timeout=timeout, transport=transport, headers={"Accept": "application/json"}
        )

    async def __aenter__(self) -> AidesTerritoires:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.aclose()

    async def perimeter_id(self, insee: str) -> str:
        """The number of the commune's perimeter (`SourceUnavailable` if none)."""
        params = {"insees": insee, "scale": "commune"}
        body = await self._get(f"{self.base_url}/api/perimeters/", params)
        for found in body.get("results") or []:
            if isinstance(found, dict) and str(found.get("code")) == insee:
                return str(found.get("id", "")).split("-", 1)[0]
        raise SourceUnavailable(f"Aides-territoires ne connaît pas la commune {insee}.")

    async def aids(self, perimeter_id: str) -> AsyncIterator[Page]:
        """Every page of the perimeter's aids for associations, in the API's order."""
        url: str | None = f"{self.base_url}/api/aids/"
        params: dict[str, str] | None = {
            "perimeter_id": perimeter_id,
            "organization_type_slugs": AUDIENCE,
            "itemsPerPage": str(PAGE_SIZE),
        }
        number = 0
        while url is not None:
            body = await self._get(url, params)
            number += 1
            results = body.get("results")
            if not isinstance(results, list):
                raise SourceUnavailable(f"Page {number} illisible : pas de liste « results ».")
            yield Page(number, _count(body, len(results)), results)
            url, params = self._next(body.get("next")), None

    def _next(self, link: object) -> str | None:
        """The next page, only on the configured site (the JWT goes nowhere else)."""
        if not isinstance(link, str) or not link:
            return None
        here, there = urlsplit(self.base_url), urlsplit(link)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            # The API builds `next` from its own host name: keep its path and query only.
            return f"{self.base_url}{there.path}?{there.query}"
        return link

    async def _login(self) -> str:
        response = await self._send("POST", f"{self.base_url}/api/connexion/", None, login=True)
        if response.status_code in (401, 403):
            raise SourceUnavailable("Aides-territoires refuse le jeton d'accès configuré.")
        token = _json(response).get("token")
        if not isinstance(token, str) or not token:
            raise SourceUnavailable("Aides-territoires n'a pas renvoyé de jeton de connexion.")
        return token

    async def _get(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        if self._jwt is None:
            self._jwt = await self._login()
        response = await self._send("GET", url, params)
        if response.status_code == UNAUTHORIZED:  # the JWT expired (24 h): once more with a new one
            self._jwt = await self._login()
            response = await self._send("GET", url, params)
        if response.status_code != OK:
            raise SourceUnavailable(f"Aides-territoires a répondu {response.status_code}.")
        return _json(response)

    async def _send(
        self, method: str, url: str, params: dict[str, str] | None, *, login: bool = False
    ) -> httpx.Response:
        bearer = {"Authorization": f"Bearer {self._jwt}"}
        headers = {"X-AUTH-TOKEN": self._token} if login else bearer
        for attempt in range(1, self._attempts + 1):
            response: httpx.Response | None = None
            try:
                response = await self._http.request(method, url, params=params, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == self._attempts:
                    raise SourceUnavailable("Aides-territoires ne répond pas.") from exc
                log.warning("aides-territoires unreachable, retrying", extra={"url": url})
            else:
                if response.status_code not in RETRIED or attempt == self._attempts:
                    return response
                log.warning(
                    "aides-territoires answered %s, retrying", response.status_code,
                    extra={"url": url, "attempt": attempt},
                )  # fmt: skip
            self.retries += 1
            await self._sleep(self._delay(attempt, response))
        raise SourceUnavailable("Aides-territoires ne répond pas.")

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and response.status_code == TOO_MANY:
            try:
                return min(MAX_RETRY_AFTER, max(0.0, float(response.headers["Retry-After"])))
            except (KeyError, ValueError):
                pass
        return float(self._backoff * 2 ** (attempt - 1))


def _count(body: dict[str, Any], fallback: int) -> int:
    count = body.get("count")
    return count if isinstance(count, int) and count >= 0 else fallback


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise SourceUnavailable("Aides-territoires a renvoyé une réponse illisible.") from exc
    if not isinstance(body, dict):
        raise SourceUnavailable("Aides-territoires a renvoyé une réponse inattendue.")
    return body
