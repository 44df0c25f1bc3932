"""Where the SQL files are: beside the package in a wheel, or at the repository's top level."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "sql"
_REPOSITORY = Path(__file__).resolve().parents[2] / "sql"


def sql_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _REPOSITORY


def migrations() -> list[Path]:
    """The migrations in the order the Supabase CLI applies them (by file name)."""
    return sorted((sql_dir() / "migrations").glob("[0-9]*_*.sql"))


def canonical_schema() -> Path:
    return sql_dir() / "llm_model_ids.sql"


def reference_table() -> Path:
    return sql_dir() / "reference" / "llm_models.sql"


def uninstall_script() -> Path:
    return sql_dir() / "uninstall.sql"


def supabase_bootstrap() -> list[Path]:
    """The Supabase-compatibility bootstrap for plain PostgreSQL, in order."""
    return [sql_dir() / "supabase" / "bootstrap.sql", sql_dir() / "supabase" / "llm_models_rls.sql"]
