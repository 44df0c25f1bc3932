"""Where the SQL files are (beside the package in a wheel, or at the repository's top level),
and which version of llm-model-ids a SQL file installs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

_PACKAGED = Path(__file__).resolve().parent / "sql"
_REPOSITORY = Path(__file__).resolve().parents[2] / "sql"

#: Every version's SQL defines llm_model_ids.version() as ``select 'X.Y.Z'::pg_catalog.text``:
#: the last definition in a file is the version the file leaves installed.
VERSION_FUNCTION: Final = re.compile(
    r"create\s+or\s+replace\s+function\s+llm_model_ids\s*\.\s*version\s*\(\s*\)"
    r".*?\$\$\s*select\s+'(\d+\.\d+\.\d+)'\s*::\s*pg_catalog\s*\.\s*text\s*;?\s*\$\$",
    re.IGNORECASE | re.DOTALL,
)


def sql_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _REPOSITORY


def migrations() -> list[Path]:
    """The migrations in the order the Supabase CLI applies them (by file name)."""
    return sorted((sql_dir() / "migrations").glob("[0-9]*_*.sql"))


def canonical_schema() -> Path:
    """The full install of the newest version (what a fresh database gets)."""
    return sql_dir() / "llm_model_ids.sql"


def reference_table() -> Path:
    return sql_dir() / "reference" / "llm_models.sql"


def uninstall_script() -> Path:
    return sql_dir() / "uninstall.sql"


def supabase_bootstrap() -> list[Path]:
    """The Supabase-compatibility bootstrap for plain PostgreSQL, in order."""
    return [sql_dir() / "supabase" / "bootstrap.sql", sql_dir() / "supabase" / "llm_models_rls.sql"]


def version_key(version: str) -> tuple[int, ...]:
    """'1.10.0' → (1, 10, 0), so that versions compare as numbers."""
    return tuple(int(part) for part in version.split("."))


def version_in(text: str) -> str | None:
    """The version of llm-model-ids this SQL leaves installed, or None if it defines none."""
    found = VERSION_FUNCTION.findall(text)
    return str(found[-1]) if found else None


def version_of(path: Path) -> str | None:
    """The version of llm-model-ids the SQL file installs, or None if it defines none."""
    return version_in(path.read_text(encoding="utf-8", errors="replace"))


def newest_version() -> str:
    """The version this package installs (the canonical file's)."""
    version = version_of(canonical_schema())
    if version is None:
        raise ValueError(f"{canonical_schema()} defines no llm_model_ids.version()")
    return version


def known_versions() -> list[str]:
    """Every version a migration installs, oldest first."""
    versions = {version_of(path) for path in migrations()}
    return sorted((v for v in versions if v is not None), key=version_key)


def migrations_after(version: str) -> list[Path]:
    """The migrations that upgrade from ``version`` to the newest, in order."""
    newer = []
    for path in migrations():
        installs = version_of(path)
        if installs is not None and version_key(installs) > version_key(version):
            newer.append(path)
    return newer


def migrations_through(version: str) -> list[Path]:
    """The migrations that install ``version`` on an empty database, in order (every one not
    after it)."""
    newer = migrations_after(version)
    return [path for path in migrations() if path not in newer]


def upgrade_sql(version: str) -> str:
    """The text of the migrations after ``version``, concatenated in order."""
    return "".join(
        _with_newline(path.read_text(encoding="utf-8")) for path in migrations_after(version)
    )


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
