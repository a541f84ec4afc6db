"""`vieasso-agenda serve` with the agenda's clock moved by VIEASSO_TEST_CLOCK_SHIFT_SECONDS:
for browser tests whose layouts depend on the hour (the screens show the current Paris day),
so they choose the hour rather than depend on the one they run at. Tests only: the product
has no setting that moves its clock.

    .venv/bin/python -m tests.support.shifted_agenda   (from the repository's root)
"""

from __future__ import annotations

import os
from datetime import timedelta

from vieasso.agenda.bootstrap import create_app, with_fast_path
from vieasso.agenda.config import AgendaSettings
from vieasso.agenda.entrypoints.cors import PublicCors
from vieasso.common.clock import ShiftedClock
from vieasso.common.http.server import serve_service

SHIFT = "VIEASSO_TEST_CLOCK_SHIFT_SECONDS"


def create_asgi() -> PublicCors:
    shift = timedelta(seconds=float(os.environ[SHIFT]))
    return with_fast_path(create_app(clock=ShiftedClock(shift)))


if __name__ == "__main__":
    serve_service("agenda", "tests.support.shifted_agenda:create_asgi", AgendaSettings())
