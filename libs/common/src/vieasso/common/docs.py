"""`make docs`: the JSON Schema of every shared message, and each service's AsyncAPI
(`asyncapi/`) and OpenAPI (`openapi/`, the document the service serves at /openapi.json)
documents.

Run with ``python -m vieasso.common.docs [OUTPUT_DIR]`` (default ``docs/``).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from vieasso.common import messages
from vieasso.common.settings import SERVICES


def message_models() -> dict[str, type[BaseModel]]:
    return {
        name: obj
        for name in messages.__all__
        if isinstance(obj := getattr(messages, name), type) and issubclass(obj, BaseModel)
    }


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in sorted(message_models().items()):
        path = out / f"{name}.schema.json"
        schema = model.model_json_schema(mode="validation")
        schema["$id"] = f"https://vie-associative.besancon.fr/schemas/v1/{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_asyncapi(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for service in SERVICES:
        path = out / f"{service}.json"
        subprocess.run(  # noqa: S603 - fixed argv, no user input
            [
                sys.executable, "-m", "faststream", "docs", "gen", "--factory",
                f"vieasso.{service}.entrypoints.asyncapi:create", "--out", str(path),
            ],
            check=True,
        )  # fmt: skip
        document = sorted_document(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def sorted_document(document: dict[str, Any]) -> dict[str, Any]:
    """Channels, operations and components by name: faststream lists them in an order that
    changes from one run to the next, and the committed documents should change only when
    the contract does."""
    for key in ("channels", "operations"):
        document[key] = dict(sorted(document.get(key, {}).items()))
    components = document.get("components", {})
    for key in components:
        components[key] = dict(sorted(components[key].items()))
    return document


def write_openapi(out: Path) -> list[Path]:
    """The OpenAPI document of each service's app, built with its default settings (nothing
    connects: the app's lifespan does not run)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for service in SERVICES:
        path = out / f"{service}.json"
        app = importlib.import_module(f"vieasso.{service}.bootstrap").create_app()
        document = json.dumps(app.openapi(), indent=2, ensure_ascii=False)
        path.write_text(document + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path("docs")
    paths = write_schemas(root / "schemas") + write_asyncapi(root / "asyncapi")
    paths += write_openapi(root / "openapi")
    for path in paths:
        print(f"wrote {path}")  # noqa: T201 - command-line output


if __name__ == "__main__":
    main()
