"""HTTP API of the newsletter service (SPEC §4)."""

from __future__ import annotations

from fastapi import APIRouter


def build_router() -> APIRouter:
    return APIRouter()
