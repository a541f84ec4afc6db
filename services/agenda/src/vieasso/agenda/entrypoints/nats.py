"""NATS subscribers of the agenda service (thin: parse, call one handler, return)."""

from __future__ import annotations

from faststream.nats import NatsRouter


def build_router() -> NatsRouter:
    return NatsRouter()
