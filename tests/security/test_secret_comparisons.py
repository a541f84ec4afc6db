"""Secrets are compared in constant time: every `==`, `!=` or `in` whose operands name a token,
secret, password, signature or MAC in the services and the common library is listed here with
the reason it is harmless; every check of a presented credential uses hmac.compare_digest.

A lookup by hash (`by_token.get(sha256(token))`) is not such a comparison: the digest of a
token the caller chose reveals nothing of a stored one, whatever the time the lookup takes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.security.conftest import Scenario
from tests.support.processes import REPO

SENSITIVE = re.compile(r"token|secret|password|signature|\bmac\b|_mac\(|digest", re.IGNORECASE)
EQUALITY = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)

# (file, source of the comparison): why it is not a credential check.
HARMLESS = {
    ("libs/common/src/vieasso/common/settings.py", "secret == development_value"):
        "start-up check that production does not run with a development secret",
    ("services/agenda/src/vieasso/agenda/adapters/store.py", 'tokens[-1] == "0"'):
        "tokens of a NATS subject, not a credential",
    ("libs/common/src/vieasso/common/backup/archive.py",
     'digest.hexdigest() != entry["sha256"]'):
        "integrity of a backup file against its manifest, not a credential",
    ("services/annuaire/src/vieasso/annuaire/entrypoints/pages_support.py",
     "app.index.by_token.get(hash_token(token)) == slug"):
        "lookup by hash, then the (public) slug compared",
    ("libs/common/src/vieasso/common/web/session.py", 'record.via != "token"'):
        "how a session was opened (a label), read after the session was found by its id",
    ("services/newsletter/src/vieasso/newsletter/adapters/undeliverable.py",
     "record.address_hash == self.digest(address)"):
        "keyed hash of a contact address: is the undeliverable mark about today's address",
    ("services/newsletter/src/vieasso/newsletter/handlers/courrier_city.py",
     "address_hash(contact.email, secret) != record.address_hash"):
        "keyed hash of a contact address shown to the city, not a credential",
    ("services/newsletter/src/vieasso/newsletter/handlers/courrier_outcomes.py",
     "marked.address_hash != rules.address_hash(to.addresses[0], self._secret)"):
        "keyed hash of the address a mail bounced from, not a credential",
    ("services/newsletter/src/vieasso/newsletter/handlers/letter.py",
     "bounced.get(contact.slug) != self._undeliverable.digest(email)"):
        "keyed hash of a contact address: skip only the address that bounced",
}  # fmt: skip

# Where a presented credential is checked: each uses hmac.compare_digest.
CREDENTIAL_CHECKS = (
    "services/annuaire/src/vieasso/annuaire/entrypoints/deps.py",  # admin token
    "libs/common/src/vieasso/common/web/tokens.py",  # admin token, association token hash
    "libs/common/src/vieasso/common/web/calendars.py",  # calendar address keys
    "services/newsletter/src/vieasso/newsletter/domain/tokens.py",  # signed mail links
    "services/annuaire/src/vieasso/annuaire/entrypoints/pages_support.py",  # admin sign-in
    "libs/common/src/vieasso/common/web/session.py",  # a session's credential
    "services/annuaire/src/vieasso/annuaire/domain/signin.py",  # a link's contact binding
)


def comparisons(
    base: Path = REPO, folders: tuple[str, ...] = ("services", "libs")
) -> set[tuple[str, str]]:
    """(file, source) of every equality test naming something sensitive under `folders`."""
    found = set()
    for folder in folders:
        for path in sorted((base / folder).rglob("*.py")):
            source = path.read_text()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.Compare):
                    continue
                if not any(isinstance(op, EQUALITY) for op in node.ops):
                    continue
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Constant) and o.value is None for o in operands):
                    continue
                text = ast.get_source_segment(source, node) or ""
                if SENSITIVE.search(text):
                    found.add((str(path.relative_to(base)), text))
    return found


def test_no_secret_is_compared_with_plain_equality(scenario: Scenario) -> None:
    scenario.describe(
        name="Secrets compared in constant time",
        load="every Python module of services/ and libs/",
        faults="—",
        inputs="every ==, !=, in naming a token, secret, password, signature or MAC",
        checked="each is a listed harmless one; credential checks use hmac.compare_digest",
    )
    found = comparisons()
    scenario.figure("comparisons found", len(found))
    unexplained = found - set(HARMLESS)
    assert unexplained == set(), "compare secrets with hmac.compare_digest: " + repr(unexplained)


def test_every_credential_check_uses_compare_digest() -> None:
    for name in CREDENTIAL_CHECKS:
        assert "hmac.compare_digest(" in (REPO / name).read_text(), name


def test_the_scan_finds_a_plain_comparison_of_a_token(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "auth.py").write_text(
        "def check(token: str, expected: str) -> bool:\n"
        "    return token == expected or expected is None\n"
    )
    assert comparisons(tmp_path, ("svc",)) == {("svc/auth.py", "token == expected")}
