"""Sign-in sessions for tests that reach a service's pages without the annuaire's sign-in
form: a session written in `annuaire_sessions` as the annuaire writes it, and the Cookie
header a browser holding its cookie sends."""

from __future__ import annotations

from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.settings import Settings
from vieasso.common.web import Kind, cookie_name
from vieasso.common.web.session_store import SessionStore, token_hash


async def session_cookie(
    js: JetStreamContext,
    kind: Kind,
    token: str,
    slug: str | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
) -> dict[str, str]:
    """The headers of a browser signed in with `token` (an association's, or the admin
    token for `Kind.CITY`) at `clock`'s time (the service's, if frozen), under the cookie
    name of the service's `settings`: the service checks the session like any other."""
    store = SessionStore(clock or SystemClock())
    await store.open(js)
    session_id = await store.create(kind, token_hash(token), slug)
    return {"Cookie": f"{cookie_name(kind, settings or Settings())}={session_id}"}
