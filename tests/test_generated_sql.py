"""The generated SQL is what sql/src and sql/rules.toml compile to, and every version number
agrees (rules.toml, the package (pyproject reads it), the newest migration)."""

from __future__ import annotations

import sys

from llm_model_ids import __version__, sql_files
from llm_model_ids.rule_source import rule_source
from tools import REPO

sys.path.insert(0, str(REPO / "scripts"))
import compile_sql


def test_generated_files_are_up_to_date() -> None:
    for path, text in compile_sql.compiled().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: make generate"


def test_every_version_number_agrees() -> None:
    in_sql = {sql_files.version_of(sql_files.migrations()[-1]), sql_files.newest_version()}
    assert {rule_source().version, __version__, *in_sql} == {__version__}


def test_no_placeholder_is_left() -> None:
    for path in (sql_files.canonical_schema(), sql_files.migrations()[-1]):
        assert "{{" not in path.read_text(encoding="utf-8")


def test_each_pattern_is_written_once_in_the_sources() -> None:
    """The location pattern's schemes live in rules.toml only, not retyped in a template."""
    sources = "".join(p.read_text(encoding="utf-8") for p in (REPO / "sql" / "src").glob("*.sql"))
    assert "abfss" not in sources and "gguf" not in sources and "checkpoint-" not in sources
