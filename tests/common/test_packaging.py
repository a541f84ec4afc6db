"""The vieasso-common wheel ships its data files (reference data, page templates, stylesheet),
not only the Python modules."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"
DATA = "vieasso/common/reference/data/"

pytestmark = pytest.mark.slow


def test_the_wheel_contains_the_reference_data(tmp_path: Path) -> None:
    assert UV.exists(), "uv is installed by `make install` into .tools/"
    env = os.environ | {"UV_PYTHON_DOWNLOADS": "never"}

    subprocess.run(
        [
            str(UV),
            "build",
            "--offline",
            "--package",
            "vieasso-common",
            "--wheel",
            "-o",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )

    (wheel,) = tmp_path.glob("vieasso_common-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{DATA}quartiers.json", f"{DATA}themes.json", f"{DATA}venues.json"} <= names
    web = "vieasso/common/web/"
    assert {
        f"{web}templates/layout.html.j2",
        f"{web}templates/_forms.html.j2",
        f"{web}static/site.css",
    } <= names
