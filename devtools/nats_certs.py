"""Certificates of the NATS routes: one private CA and one certificate per node.

    python3 -m devtools.nats_certs deploy/nats/certs

writes, with `openssl` (standard library only, so the system's python3 runs it too):

    ca.pem                  the CA every node trusts (cluster { tls { ca_file } })
    ca-key.pem              the CA's key: needed only to add or renew a node; keep it offline
    nats-N.pem, nats-N-key.pem   each node's certificate and key (cluster { tls { cert_file,
                            key_file } }), valid for the host name `nats-N` (its compose name)

A node certificate serves both ends of a route (serverAuth and clientAuth): `verify: true`
makes each node present it and check the other's against ca.pem, so a process without a
certificate signed by this CA cannot open a route, whatever it knows of the route password.
Existing files are kept unless --force (a new CA would lock out the nodes still running the
old certificates).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

NODES = ("nats-1", "nats-2", "nats-3")
CA_DAYS = 3650
NODE_DAYS = 825  # the longest validity clients commonly accept for a leaf certificate
CA_SUBJECT = "/O=vieasso/CN=vieasso NATS route CA"
EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


class CertificateError(RuntimeError):
    """openssl is missing or refused to make a certificate."""


@dataclass(frozen=True)
class RouteCertificates:
    """Where the files of one directory are."""

    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    def cert(self, node: str) -> Path:
        return self.directory / f"{node}.pem"

    def key(self, node: str) -> Path:
        return self.directory / f"{node}-key.pem"


def _openssl(*args: str) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError("openssl not found: install it (apt-get install openssl)")
    done = subprocess.run([openssl, *args], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CertificateError(f"openssl {args[0]} failed: {done.stderr.strip()}")


def make_ca(certs: RouteCertificates, *, subject: str = CA_SUBJECT) -> None:
    """A self-signed CA allowed to sign certificates and nothing else."""
    certs.directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", *EC_KEY, "-keyout", str(certs.ca_key), "-out", str(certs.ca),
        "-days", str(CA_DAYS), "-subj", subject,
        "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    certs.ca_key.chmod(0o600)


def make_node(certs: RouteCertificates, node: str, extra_names: Sequence[str] = ()) -> None:
    """`node`'s key and certificate signed by the CA, valid for DNS name `node` and for
    `extra_names` (openssl subjectAltName entries such as ``IP:127.0.0.1``)."""
    names = ",".join([f"DNS:{node}", *extra_names])
    with tempfile.TemporaryDirectory() as tmp:
        request, extensions = Path(tmp) / "node.csr", Path(tmp) / "node.ext"
        extensions.write_text(
            f"subjectAltName={names}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
        )
        _openssl(
            "req", "-new", *EC_KEY, "-keyout", str(certs.key(node)), "-out", str(request),
            "-subj", f"/O=vieasso/CN={node}",
        )  # fmt: skip
        certs.key(node).chmod(0o600)
        _openssl(
            "x509", "-req", "-in", str(request), "-CA", str(certs.ca),
            "-CAkey", str(certs.ca_key), "-set_serial", f"0x{secrets.token_hex(16)}",
            "-days", str(NODE_DAYS), "-sha256", "-extfile", str(extensions),
            "-out", str(certs.cert(node)),
        )  # fmt: skip


def generate(
    directory: Path,
    nodes: Sequence[str] = NODES,
    *,
    extra_names: Sequence[str] = (),
    force: bool = False,
) -> RouteCertificates:
    """The CA (unless it exists) and a certificate for each node (unless it exists)."""
    certs = RouteCertificates(directory)
    if force or not certs.ca.exists():
        make_ca(certs)
    for node in nodes:
        if force or not certs.cert(node).exists():
            make_node(certs, node, extra_names)
    return certs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m devtools.nats_certs",
        description="Make the CA and the node certificates of the NATS routes (route TLS).",
    )
    parser.add_argument("directory", type=Path, help="where to write them, e.g. deploy/nats/certs")
    parser.add_argument(
        "--node",
        action="append",
        dest="nodes",
        help=f"node host name (repeat; default: {' '.join(NODES)})",
    )
    parser.add_argument(
        "--san",
        action="append",
        default=[],
        help="extra subjectAltName of every node certificate (repeat), e.g. DNS:nats-1.city.fr "
        "or IP:10.0.0.5, when the nodes reach each other by other names",
    )
    parser.add_argument("--force", action="store_true", help="replace existing CA and certs")
    args = parser.parse_args(argv)
    certs = generate(args.directory, args.nodes or NODES, extra_names=args.san, force=args.force)
    print(f"route CA: {certs.ca} (keep {certs.ca_key.name} offline once the nodes have theirs)")
    for node in args.nodes or NODES:
        print(f"{node}: {certs.cert(node)} {certs.key(node)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
