"""How every benchmark reports: its figure, the baseline measured in the same run, the ratio.

Each benchmark module `bench/b<N>_<name>.py` exposes ``run(quick: bool) -> list[Figure]``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Figure:
    bench: str  # e.g. "B2"
    what: str  # e.g. "one change → new ICS bytes, median"
    value: float
    unit: str  # e.g. "ms", "msg/s", "MB"
    baseline: float | None = None
    baseline_what: str = ""
    target: str = ""
    higher_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value

    def line(self) -> str:
        text = f"{self.bench}  {self.what}: {self.value:,.1f} {self.unit}"
        if self.baseline is not None:
            text += f" | baseline ({self.baseline_what}): {self.baseline:,.1f} {self.unit}"
            if self.ratio is not None:
                text += f" | ratio {self.ratio:.2f}×"
        if self.target:
            text += f" | target {self.target}"
        return text


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def save(figures: list[Figure], name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    payload = {"machine": machine(), "figures": [asdict(f) for f in figures]}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return path
