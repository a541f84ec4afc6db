"""Cross-origin guard: a browser's state-changing request from another site is refused (403).

Refused: a POST, PUT, PATCH or DELETE whose `Sec-Fetch-Site` is `cross-site`, or whose
`Origin` is neither one of the platform's origins (`site_origins`) nor the request's own host.
`same-site` (another host of the same registrable domain, e.g. another *.besancon.fr site)
is no proof of origin: it passes only when `Origin` is ours, as browsers always send it on a
POST. A request with neither header (curl, Bearer-token clients, servers) passes: CSRF needs
a browser, and a browser sends at least one of them. This also closes login CSRF.

`open_paths` are exempt: the RFC 8058 one-click unsubscription, posted by mail providers'
servers, is authorised by the token it carries rather than by a cookie.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from vieasso.common.http.headers import site_origins
from vieasso.common.http.refusal import refuse
from vieasso.common.settings import Settings

FOREIGN = (
    "Demande refusée : elle vient d’un autre site. Ouvrez la page sur ce site-ci "
    "et envoyez le formulaire de nouveau."
)
_CHANGES_STATE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossOriginGuard:
    def __init__(self, app: ASGIApp, *, settings: Settings, open_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.settings = settings
        self.origins = site_origins(settings)
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _CHANGES_STATE
            and scope["path"] not in self.open_paths
            and self.foreign(scope)
        ):
            await refuse(scope, receive, send, settings=self.settings, status=403, detail=FOREIGN)
            return
        await self.app(scope, receive, send)

    def foreign(self, scope: Scope) -> bool:
        origin = site = host = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                site = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
        if site == "cross-site":
            return True
        if origin is None or origin in self.origins:
            return False
        scheme, _, authority = origin.partition("://")
        return not (scheme in ("http", "https") and host is not None and authority == host)
