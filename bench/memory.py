"""Memory of a service under benchmark: resident memory of its whole process group."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.services import ServiceProcess


def group_rss_mb(service: ServiceProcess) -> float:
    """Resident memory of the service's process group (granian and its worker), in MB."""
    assert service.process.popen is not None
    group = os.getpgid(service.process.popen.pid)
    total_kb = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) != group:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return total_kb / 1024
