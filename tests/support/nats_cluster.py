"""The production NATS cluster (deploy/nats/cluster.conf) as three nats-server processes.

Docker cannot run on the test machines, so the tests start the very configuration file the
compose nodes use, with the same binary family; only the environment variables differ
(loopback, free ports, store directories under a temporary directory, route certificates made
by the command operators run, `python3 -m devtools.nats_certs`).
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.nats_certs import RouteCertificates, generate
from tests.support.nats_server import NATS_SERVER
from tests.support.processes import REPO, Process, free_port, port_open, wait_until
from vieasso.common.nats.permissions import ADMIN, users

CLUSTER_CONF = REPO / "deploy" / "nats" / "cluster.conf"


def random_password() -> str:
    return f"pw-{secrets.token_hex(16)}"


def random_passwords() -> dict[str, str]:
    """A password for every user of deploy/nats/accounts.conf (NATS_PASSWORD_<USER>)."""
    return {user.password_variable: random_password() for user in users()}


def route_certificates(directory: Path, nodes: list[str]) -> RouteCertificates:
    """A route CA and a certificate per node, valid for loopback (where the tests run)."""
    return generate(directory, nodes, extra_names=["IP:127.0.0.1"])


@dataclass
class ClusterNode:
    """One node: its ports, its store and its process; the routes name every node.

    `route_password` and `certs` are what it presents to open a route (and what it asks of
    the others): the cluster's for a member, something else for an intruder."""

    name: str
    workdir: Path
    certs: RouteCertificates
    route_password: str
    routes: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=random_passwords)
    client_port: int = field(default_factory=free_port)
    cluster_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    process: Process | None = None

    @property
    def url(self) -> str:
        """Client URL with the admin user's credentials (the whole account)."""
        return self.url_as(ADMIN)

    def url_as(self, user: str) -> str:
        password = self.passwords[f"NATS_PASSWORD_{user.upper()}"]
        return f"nats://{user}:{password}@127.0.0.1:{self.client_port}"

    @property
    def route(self) -> str:
        """Where the other nodes open a route to this one (without credentials)."""
        return f"127.0.0.1:{self.cluster_port}"

    @property
    def store_dir(self) -> Path:
        return self.workdir / "jetstream"

    def env(self) -> dict[str, str]:
        """The environment cluster.conf reads (docker-compose.yml sets the same names)."""
        env = {
            "NATS_SERVER_NAME": self.name,
            "NATS_HOST": "127.0.0.1",
            "NATS_CLIENT_PORT": str(self.client_port),
            "NATS_CLUSTER_PORT": str(self.cluster_port),
            "NATS_MONITOR_LISTEN": f"127.0.0.1:{self.monitor_port}",
            "NATS_STORE_DIR": str(self.store_dir),
            "NATS_ROUTE_PASSWORD": self.route_password,
            "NATS_ROUTE_CA": str(self.certs.ca),
            "NATS_ROUTE_CERT": str(self.certs.cert(self.name)),
            "NATS_ROUTE_KEY": str(self.certs.key(self.name)),
        }
        env.update(
            {
                f"NATS_ROUTE_{i}": f"nats://route:{self.route_password}@{route}"
                for i, route in enumerate(self.routes, start=1)
            }
        )
        env.update(self.passwords)
        return env

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = Process(
            [str(NATS_SERVER), "-c", str(CLUSTER_CONF)],
            log=self.workdir / "nats-server.log",
            env=self.env(),
        ).start()
        wait_until(lambda: port_open(self.client_port), timeout=15, what=f"{self.name} to listen")

    def kill(self) -> None:
        """kill -9: no lame duck, no flush, like a crashed machine."""
        if self.process is not None:
            self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def monitor(self, endpoint: str) -> dict[str, Any]:
        """GET a monitoring endpoint (e.g. ``jsz?streams=true``) as JSON."""
        url = f"http://127.0.0.1:{self.monitor_port}/{endpoint}"
        with urllib.request.urlopen(url, timeout=2) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def route_peers(self) -> set[str]:
        """Names of the servers this node has a route with (/routez)."""
        return {route["remote_name"] for route in self.monitor("routez").get("routes") or []}

    def meta_cluster(self) -> dict[str, Any]:
        """This node's view of the JetStream meta group ({} when it does not answer)."""
        try:
            meta: dict[str, Any] = self.monitor("jsz").get("meta_cluster") or {}
        except OSError:
            return {}
        return meta


@dataclass
class NatsCluster:
    nodes: list[ClusterNode]

    @classmethod
    def create(cls, workdir: Path, size: int = 3) -> NatsCluster:
        passwords = random_passwords()
        names = [f"nats-{i}" for i in range(1, size + 1)]
        certs = route_certificates(workdir / "certs", names)
        route_password = random_password()
        nodes = [
            ClusterNode(name, workdir / name, certs, route_password, passwords=passwords)
            for name in names
        ]
        routes = [node.route for node in nodes]
        for node in nodes:
            node.routes = routes
        return cls(nodes)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def node(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self, timeout: float = 30) -> NatsCluster:
        for node in self.nodes:
            node.start()
        self.wait_formed(timeout)
        return self

    def wait_formed(self, timeout: float = 30) -> None:
        """Every node follows the same meta leader, which sees all its peers current."""
        wait_until(self.formed, timeout=timeout, interval=0.2, what="the cluster to form")

    def formed(self) -> bool:
        views = {node.name: node.meta_cluster() for node in self.nodes}
        leaders = {view.get("leader") for view in views.values()}
        if len(leaders) != 1 or (leader := leaders.pop()) not in views:
            return False
        peers = views[leader].get("replicas") or []
        return len(peers) == len(self.nodes) - 1 and all(
            peer.get("current") and not peer.get("offline") for peer in peers
        )

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
