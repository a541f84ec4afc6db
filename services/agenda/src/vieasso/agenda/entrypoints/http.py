"""HTTP API of the agenda service (SPEC §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring


def build_router(wiring: Wiring) -> APIRouter:
    return APIRouter()
