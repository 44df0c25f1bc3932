"""What the tests that run external tools share: the repository, the venv's console scripts, and
a readable account of a command's run for assertion messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def venv_tool(name: str) -> Path:
    """A console script of the virtualenv running the tests (or on PATH); a failure if missing."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: it is a dev dependency (pip install -e '.[dev]', which "
            "`make test` does)",
            pytrace=False,
        )
    return Path(found)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit code and its whole output, for assertion messages."""
    return (
        f"$ {' '.join(result.args)}\nexit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
