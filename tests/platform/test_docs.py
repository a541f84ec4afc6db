"""`make docs`: one AsyncAPI document per service, one JSON Schema per shared message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vieasso.common.docs import SERVICES, message_models
from vieasso.common.nats.catalogue import STREAMS

# Every channel must be stored by one of the platform's streams.
SUBJECT_ROOTS = tuple(
    subject.removesuffix(">").removesuffix("*") for spec in STREAMS for subject in spec.subjects
)


def test_docs_command_writes_an_asyncapi_document_per_service_and_a_schema_per_message(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [sys.executable, "-m", "vieasso.common.docs", str(tmp_path)], check=True, timeout=120
    )

    for service in SERVICES:
        doc = json.loads((tmp_path / "asyncapi" / f"{service}.json").read_text())
        assert doc["asyncapi"].startswith("3.")
        assert doc["info"]["title"].lower().startswith(service)
        for channel in doc["channels"].values():
            assert channel["address"].startswith(SUBJECT_ROOTS), channel["address"]

    models = message_models()
    assert {"AssociationValidated", "EventSubmission", "DeadLetter", "EditionSent"} <= set(models)
    written = sorted(path.name for path in (tmp_path / "schemas").glob("*.schema.json"))
    assert written == sorted(f"{name}.schema.json" for name in models)
    for name in models:
        schema = json.loads((tmp_path / "schemas" / f"{name}.schema.json").read_text())
        assert schema["title"] == name
        assert schema["$id"].endswith(f"/v1/{name}.schema.json")
        assert schema["type"] == "object"
