"""(being written)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    return APIRouter(include_in_schema=False)
