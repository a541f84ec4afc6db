"""Who may act: the city's admin token, or an association's own token for its slug.

These checks serve the API's `Authorization: Bearer` header; the pages' sign-in cookies hold
sessions opened on the annuaire after the same check (vieasso.common.web.session).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vieasso.common.web.tokens import is_admin_token

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring


def is_admin(wiring: Wiring, token: str) -> bool:
    return is_admin_token(wiring.settings, token)


async def may_act_for(wiring: Wiring, slug: str, token: str) -> bool:
    """True for the admin token, or for the current token of association `slug`."""
    return is_admin(wiring, token) or await wiring.tokens().accepts(slug, token)
