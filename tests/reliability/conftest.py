"""The reliability scenarios (issue 6) record what they did and measured; `make reliability`
turns those records into RELIABILITY.md.

Each test takes the `scenario` fixture, describes itself (load, faults, inputs, what is
checked) and adds figures as it measures them. When ``VIEASSO_RELIABILITY_JSON`` names a
file, the session writes every record there with the test's outcome
(`python -m tests.reliability.render` makes the table).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

REPORT_ENV = "VIEASSO_RELIABILITY_JSON"


@dataclass
class Scenario:
    """One row of RELIABILITY.md."""

    test: str
    name: str = ""
    load: str = ""
    faults: str = ""
    inputs: str = ""
    checked: str = ""
    figures: dict[str, float | int | str] = field(default_factory=dict)
    outcome: str = "not run"
    seconds: float = 0.0

    def describe(self, *, name: str, load: str, faults: str, inputs: str, checked: str) -> Scenario:
        self.name, self.load, self.faults, self.inputs, self.checked = (
            name, load, faults, inputs, checked,
        )  # fmt: skip
        return self

    def figure(self, label: str, value: float | int | str) -> None:
        self.figures[label] = round(value, 2) if isinstance(value, float) else value


_RECORDS: dict[str, Scenario] = {}


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Iterator[Scenario]:
    record = Scenario(test=request.node.nodeid)
    _RECORDS[request.node.nodeid] = record
    started = time.monotonic()
    yield record
    record.seconds = round(time.monotonic() - started, 1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    record = _RECORDS.get(item.nodeid)
    if record is not None:
        if report.when == "call":
            record.outcome = (
                "xfailed (known bug)" if hasattr(report, "wasxfail") else report.outcome
            )
        elif report.failed:
            record.outcome = f"failed ({report.when})"
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get(REPORT_ENV)
    if not target or not _RECORDS:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [asdict(r) for r in _RECORDS.values() if r.name]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
