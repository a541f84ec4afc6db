"""`make docs`: one AsyncAPI and one OpenAPI document per service, one JSON Schema per shared
message; the documents committed under docs/ are the ones the command writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO
from vieasso.common.docs import message_models
from vieasso.common.nats.catalogue import STREAMS
from vieasso.common.settings import SERVICES

KINDS = ("asyncapi", "openapi", "schemas")

# Every channel must be stored by one of the platform's streams.
SUBJECT_ROOTS = tuple(
    subject.removesuffix(">").removesuffix("*") for spec in STREAMS for subject in spec.subjects
)


def test_docs_command_writes_the_documents_of_every_service_and_a_schema_per_message(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [sys.executable, "-m", "vieasso.common.docs", str(tmp_path)], check=True, timeout=180
    )

    for service in SERVICES:
        doc = json.loads((tmp_path / "asyncapi" / f"{service}.json").read_text())
        assert doc["asyncapi"].startswith("3.")
        assert doc["info"]["title"].lower().startswith(service)
        for channel in doc["channels"].values():
            assert channel["address"].startswith(SUBJECT_ROOTS), channel["address"]
        api = json.loads((tmp_path / "openapi" / f"{service}.json").read_text())
        assert api["openapi"].startswith("3.")
        assert api["info"]["title"].lower().startswith(service)
        assert "/healthz" in api["paths"]
    for kind in KINDS:  # what is committed is what the code says: `make docs` after a change
        made = {p.name: p.read_text() for p in (tmp_path / kind).glob("*.json")}
        committed = {p.name: p.read_text() for p in (REPO / "docs" / kind).glob("*.json")}
        stale = sorted(n for n in made.keys() | committed.keys() if made.get(n) != committed.get(n))
        assert stale == [], f"docs/{kind} differs from `make docs` for {stale}"

    models = message_models()
    assert {"AssociationValidated", "EventSubmission", "DeadLetter", "EditionSent"} <= set(models)
    written = sorted(path.name for path in (tmp_path / "schemas").glob("*.schema.json"))
    assert written == sorted(f"{name}.schema.json" for name in models)
    for name in models:
        schema = json.loads((tmp_path / "schemas" / f"{name}.schema.json").read_text())
        assert schema["title"] == name
        assert schema["$id"].endswith(f"/v1/{name}.schema.json")
        assert schema["type"] == "object"
