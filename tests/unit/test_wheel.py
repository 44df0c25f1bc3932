"""The wheel ships the product only: the package, its data and the SQL it installs; no test code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tools import REPO


def build_wheel(out: Path) -> list[str]:
    """`pip wheel` with the venv's hatchling (a dev dependency): offline, no build isolation."""
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*pip, "--wheel-dir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("llm_model_ids-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_ships_the_package_its_data_and_sql_and_no_test_code(tmp_path: Path) -> None:
    names = build_wheel(tmp_path)
    for needed in (
        "llm_model_ids/__init__.py",
        "llm_model_ids/cli.py",
        "llm_model_ids/py.typed",
        "llm_model_ids/data/golden_vectors.json",
        "llm_model_ids/sql/llm_model_ids.sql",
        "llm_model_ids/sql/rules.toml",
        "llm_model_ids/sql/reference/llm_models.sql",
    ):
        assert needed in names, needed
    assert any(name.startswith("llm_model_ids/sql/migrations/") for name in names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"llm_model_ids"}
    unwanted = ("local_postgres", "conftest", "servers", "tests/", "test_", "sql/src/", "scripts/")
    assert [name for name in names if any(part in name for part in unwanted)] == []
