"""Keeps BENCHMARKS.md true: the latest full-size figures of each benchmark module.

`bench/latest.json` (committed) holds, per module, the figures of its last full run with the
machine and the date; BENCHMARKS.md is rendered from it after every full `make bench`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.report import Figure, machine

ROOT = Path(__file__).resolve().parents[1]
LATEST = Path(__file__).parent / "latest.json"
MARKDOWN = ROOT / "BENCHMARKS.md"

HEADER = """# Benchmarks

Targets are SPEC §6. Every figure comes with its baseline **measured in the same run**, on the
same machine, and the ratio between them (for "lower is better" figures the ratio is
baseline ÷ figure, so above 1 is always better). Run them all with `make bench`
(`python -m bench B2 B3` for some, `--quick` for small sizes that only prove they run; quick
runs never update this file). This file is rewritten from `bench/latest.json` after each full run.
"""


def record(module: str, figures: list[Figure]) -> None:
    data: dict[str, Any] = json.loads(LATEST.read_text()) if LATEST.exists() else {}
    data[module] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "figures": [asdict(f) for f in figures],
    }
    LATEST.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _cell(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:,.1f} {unit}"


def render() -> str:
    data: dict[str, Any] = json.loads(LATEST.read_text()) if LATEST.exists() else {}
    lines = [HEADER]
    for module in sorted(data):
        entry = data[module]
        lines.append(f"## {module}\n")
        lines.append(f"Measured {entry['date']} on {entry['machine']}.\n")
        lines.append("| id | what | figure | baseline (same run) | ratio | target |")
        lines.append("|---|---|---|---|---|---|")
        for raw in entry["figures"]:
            fig = Figure(**raw)
            ratio = f"{fig.ratio:.2f}×" if fig.ratio is not None else "—"
            baseline = _cell(fig.baseline, fig.unit)
            if fig.baseline_what and fig.baseline is not None:
                baseline += f" ({fig.baseline_what})"
            row = f"| {fig.bench} | {fig.what} | {_cell(fig.value, fig.unit)} | {baseline} | "
            lines.append(row + f"{ratio} | {fig.target or '—'} |")
        lines.append("")
    return "\n".join(lines)


def write() -> Path:
    MARKDOWN.write_text(render())
    return MARKDOWN
