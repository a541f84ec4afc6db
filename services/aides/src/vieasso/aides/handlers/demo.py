"""Loads the demo schemes (`vieasso-aides demo`), published, through the same use case as the
city's forms: each created, updated or left as it is, so running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from vieasso.aides.adapters.demo_schemes import SCHEMES
from vieasso.aides.domain.schemes import AidScheme, SchemeState
from vieasso.aides.handlers.schemes import Schemes, store


@dataclass
class DemoReport:
    written: int = 0
    unchanged: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # id → reason


async def load_demo(unit: Schemes) -> DemoReport:
    report = DemoReport()
    now = unit.clock.now()
    for data in SCHEMES:
        found = unit.store.get(str(data["id"]))
        try:
            scheme = AidScheme.model_validate(
                {**data, "state": SchemeState.PUBLISHED, "created_at": now, "updated_at": now}
            )
        except ValidationError as exc:
            report.refused[str(data["id"])] = str(exc)
            continue
        saved = await store(unit, scheme, last=found.revision if found else None)
        if found is not None and saved.version == found.value.version:
            report.unchanged += 1
        else:
            report.written += 1
    return report
