"""docker-compose.yml keeps NATS away from the internet-facing proxy (issue 12, items 4 and 5):
NATS on its own internal network, the proxy off it, monitoring on loopback, the routes
authenticated with a password and certificates from the documented command, and a memory
limit on every container. (Docker cannot run here: the file is checked as data; the same
cluster.conf runs on three real nodes in tests/security/test_cluster_routes.py.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.nats_cluster import CLUSTER_CONF
from tests.support.processes import REPO
from tests.support.services import SERVICE_CONTAINERS

COMPOSE = REPO / "docker-compose.yml"
NODES = ("nats-1", "nats-2", "nats-3")
UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def services() -> dict[str, dict[str, Any]]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    found: dict[str, dict[str, Any]] = data["services"]
    return found


def networks() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    found: dict[str, Any] = data["networks"]
    return found


def mem_limit(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg])", value.lower())
    assert match is not None, value
    return int(match.group(1)) * UNITS[match.group(2)]


def test_nats_has_its_own_internal_network_and_the_proxy_is_not_on_it() -> None:
    containers = services()
    assert networks()["nats"] == {"internal": True}
    on_nats = {name for name, s in containers.items() if "nats" in s["networks"]}
    assert on_nats == {*NODES, *SERVICE_CONTAINERS, "backup"}
    for node in NODES:
        assert containers[node]["networks"] == ["nats"], node
    assert containers["proxy"]["networks"] == ["web"]
    on_web = {name for name, s in containers.items() if "web" in s["networks"]}
    assert on_web == {*SERVICE_CONTAINERS, "proxy"}
    published = {name for name, s in containers.items() if s.get("ports")}
    assert published == {"proxy"}


def test_nats_monitoring_listens_on_loopback_only() -> None:
    conf = CLUSTER_CONF.read_text()
    assert re.search(r"^http:\s*\$NATS_MONITOR_LISTEN\s*$", conf, re.MULTILINE)
    assert not re.search(r"^\s*(http_port|monitor_port)\s*:", conf, re.MULTILINE)
    for node in NODES:
        container = services()[node]
        listen = container["environment"]["NATS_MONITOR_LISTEN"]
        assert listen.startswith("127.0.0.1:"), node
        assert f"http://{listen}/healthz" in container["healthcheck"]["test"], node


def test_routes_need_the_route_password_and_a_certificate_of_the_route_ca() -> None:
    conf = CLUSTER_CONF.read_text()
    cluster = re.search(r"^cluster \{(.*?)^\}", conf, re.MULTILINE | re.DOTALL)
    assert cluster is not None
    block = cluster.group(1)
    assert re.search(r"authorization \{[^}]*password: \$NATS_ROUTE_PASSWORD", block)
    assert re.search(r"tls \{[^}]*verify: true", block)
    password = "${NATS_ROUTE_PASSWORD:?run docker compose --env-file deploy/nats-users.env}"
    for node in NODES:
        env = services()[node]["environment"]
        assert env["NATS_ROUTE_PASSWORD"] == password
        for i, peer in enumerate(NODES, start=1):
            assert env[f"NATS_ROUTE_{i}"] == f"nats://route:{password}@{peer}:6222"
        mounts = dict(v.rsplit(":", 2)[:2] for v in services()[node]["volumes"] if ":ro" in v)
        assert mounts[f"./deploy/nats/certs/{node}.pem"] == env["NATS_ROUTE_CERT"]
        assert mounts[f"./deploy/nats/certs/{node}-key.pem"] == env["NATS_ROUTE_KEY"]
        assert mounts["./deploy/nats/certs/ca.pem"] == env["NATS_ROUTE_CA"]
    assert "nats/certs/" in (REPO / "deploy" / ".gitignore").read_text().split()


def test_every_container_has_a_memory_limit() -> None:
    limits = {name: mem_limit(s["mem_limit"]) for name, s in services().items()}
    for name in (*SERVICE_CONTAINERS, "backup"):
        # SPEC §7: < 250 MB RSS per service
        assert 250 * 1024**2 < limits[name] <= 512 * 1024**2, name
    memory_store = re.search(r"max_memory_store:\s*(\d+)MB", CLUSTER_CONF.read_text())
    assert memory_store is not None
    for node in NODES:
        assert limits[node] >= 2 * int(memory_store.group(1)) * 1024**2, node
        gomemlimit = services()[node]["environment"]["GOMEMLIMIT"]
        assert gomemlimit.endswith("MiB")
        assert int(gomemlimit.removesuffix("MiB")) * 1024**2 < limits[node]
    assert limits["proxy"] <= 256 * 1024**2


def test_the_documented_command_makes_the_route_ca_and_node_certificates(
    tmp_path: Path,
) -> None:
    out = tmp_path / "certs"
    command = [sys.executable, "-m", "devtools.nats_certs", str(out)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (
        "python3 -m devtools.nats_certs deploy/nats/certs"
        in (REPO / "docs" / "deploy.md").read_text()
    )
    ca = (out / "ca.pem").read_bytes()
    for node in NODES:
        assert (out / f"{node}-key.pem").stat().st_mode & 0o077 == 0, "key readable by others"
        verified = subprocess.run(
            ["openssl", "verify", "-CAfile", str(out / "ca.pem"), str(out / f"{node}.pem")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stderr
        text = subprocess.run(
            ["openssl", "x509", "-noout", "-ext", "subjectAltName,extendedKeyUsage",
             "-in", str(out / f"{node}.pem")],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert f"DNS:{node}" in text
        assert "TLS Web Server Authentication" in text
        assert "TLS Web Client Authentication" in text
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert again.returncode == 0
    assert (out / "ca.pem").read_bytes() == ca, "a second run must not replace the CA"
