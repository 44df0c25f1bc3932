"""The project files agree with each other: LICENSE with pyproject, pre-commit with `make lint`."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from tools import REPO


def lint_commands() -> list[str]:
    """The commands of the Makefile's lint target, with $(BIN)/ dropped."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    return [line.strip().replace("$(BIN)/", "") for line in recipe[1].splitlines()]


def test_pre_commit_runs_what_make_lint_runs() -> None:
    config: dict[str, Any] = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = [hook["entry"].replace(".venv/bin/", "") for hook in hooks]
    for command in lint_commands():
        tool = re.sub(r" (python|tests|scripts)(?= |$)", "", command)  # pre-commit passes files
        assert tool in entries, f"`make lint` runs {command!r}; no pre-commit hook does"
    assert "python scripts/compile_sql.py --check" in entries
    assert all(hook["language"] == "system" for hook in hooks)  # the project's .venv, pinned


def test_license_is_the_mit_license_pyproject_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c)" in text and "llm-model-ids contributors" in text
