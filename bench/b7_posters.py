"""B7: a 12-megapixel phone JPEG → every poster variant (SPEC §8).

The photo is made here (`tests.support.photos.phone_photo`: 4032 × 3024, quality 90, EXIF
with GPS, XMP, a second picture appended, as phones write them). Figure: the agenda's
`vieasso.common.images.prepare` (content check, pixel bounds, JPEG draft-mode decode,
orientation, the metadata-free original, 3 widths × WebP and JPEG, the content-addressed
id), median of `RUNS` runs (wall clock, and the process's CPU time, which the load of a shared
machine inflates less), and the peak resident memory it adds to its process.
Baseline: bare Pillow doing the same resizes the obvious way (full-size decode, orientation
applied, the same widths, formats and encoder settings; no checks, no stripped original),
in the same run. Each side runs in a fresh process of its own, so that one's peak memory is
not the other's: "extra RSS" is the process's peak (`ru_maxrss`) minus its resident memory
just before the first run, the photo already read.
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageOps

from bench.report import Figure
from tests.support.photos import phone_photo
from vieasso.common.images import prepare
from vieasso.common.images.variants import JPEG_QUALITY, WEBP_METHOD, WEBP_QUALITY, WIDTHS

RUNS = 7
SIZE, QUICK_SIZE = (4032, 3024), (1600, 1200)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ours(data: bytes) -> None:
    prepare(data, owner="bench", now=datetime(2026, 12, 7, tzinfo=UTC))


def _bare_pillow(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    for width in sorted(WIDTHS, reverse=True):
        height = round(upright.height * width / upright.width)
        resized = upright.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=2.0)
        resized.save(io.BytesIO(), "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
        resized.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY, progressive=True)


def child(kind: str, path: str, runs: int) -> None:
    """In a fresh process: time `runs` runs of one side, and the memory they add."""
    work = _ours if kind == "ours" else _bare_pillow
    data = Path(path).read_bytes()
    before = _rss_mb()
    timings, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        work(data)
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median, median_cpu = statistics.median(timings), statistics.median(cpu)
    print(json.dumps({"median": median, "cpu": median_cpu, "extra_rss": peak - before}))


def _measure(kind: str, path: Path, runs: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.b7_posters", kind, str(path), str(runs)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool) -> list[Figure]:
    runs = 2 if quick else RUNS
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="b7-posters-") as tmp:
        path = Path(tmp) / "photo.jpg"
        width, height = QUICK_SIZE if quick else SIZE
        path.write_bytes(phone_photo(width, height))
        ours = _measure("ours", path, runs)
        bare = _measure("pillow", path, runs)
    base = "bare Pillow: full-size decode, same resizes and encoders"
    what = (
        f"{width * height / 1e6:.0f} MP phone JPEG ({width} × {height}, EXIF GPS) → "
        "original + 3 widths × WebP/JPEG"
    )
    return [
        Figure("B7", f"{what}, median of {runs}", ours["median"] * 1000, "ms",
               bare["median"] * 1000, base, "≤ 500 ms", higher_is_better=False),
        Figure("B7", f"{what}, median CPU time (the machine is shared: see its load)",
               ours["cpu"] * 1000, "ms", bare["cpu"] * 1000, base, higher_is_better=False),
        Figure("B7", f"{what}, peak extra RSS", ours["extra_rss"], "MB", bare["extra_rss"],
               base, "≤ 80 MB", higher_is_better=False),
        Figure("B7", f"context: load average over the minute before the run "
               f"({os.cpu_count()} cores)", load, "runnable tasks"),
    ]  # fmt: skip


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
