"""`migration`: write llm-model-ids into a Supabase project as ONE new migration file.

Named with the current UTC timestamp (later than every file already in the folder), so that it
sorts after the app's own ``create table llm_models`` migration and is never "inserted before the
last migration on remote database". It holds the full install when the folder has none of ours,
or only the upgrade from the newest version the folder's files already install (read from their
``llm_model_ids.version()``, or given with --from). Up to date: nothing written, exit 0.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from llm_model_ids import sql_files
from llm_model_ids.commands.common import Subparsers
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.sql_files import version_key

DEFAULT_DIR: Final = "supabase/migrations"
_STAMP: Final = re.compile(r"^(\d{14})_")
_STAMP_FORMAT: Final = "%Y%m%d%H%M%S"
_VERSION: Final = re.compile(r"\d+\.\d+\.\d+")


def migrations_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        what = "not a directory" if path.exists() else "no such directory"
        raise argparse.ArgumentTypeError(
            f"{text}: {what} (run from the Supabase project's root, or pass --dir)"
        )
    return path


def known_version(text: str) -> str:
    known = sql_files.known_versions()
    version = text.strip()
    if _VERSION.fullmatch(version) is None or version not in known:
        raise argparse.ArgumentTypeError(
            f"unknown version {text!r}: llm-model-ids versions are {', '.join(known)}"
        )
    return version


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "migration",
        help="write the install or upgrade as one new migration in supabase/migrations",
        description="Writes ONE new migration file, YYYYMMDDHHMMSS_llm_model_ids_X_Y_Z.sql, "
        "named with the current UTC time (or one second after the newest file in the folder, "
        "if that is later), so it runs after your own migrations, llm_models' included: the "
        "full install when the folder holds none of llm-model-ids' SQL, else only the upgrade "
        "from the newest version its files install. Up to date: writes nothing (exit 0). Then "
        "apply it with `supabase migration up` (local) or `supabase db push` (linked project).",
    )
    parser.add_argument(
        "--dir",
        type=migrations_dir,
        default=DEFAULT_DIR,
        help=f"the project's migrations folder (default: {DEFAULT_DIR})",
    )
    parser.add_argument(
        "--from",
        dest="from_version",
        type=known_version,
        default=None,
        metavar="VERSION",
        help="the version the project already installs (default: read from the folder's files)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be written; write nothing"
    )
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class MigrationPlan:
    """The file to write (None when up to date) and what it does."""

    path: Path | None
    from_version: str | None  # None: a full install
    to_version: str
    sources: tuple[Path, ...]  # the package's SQL files it is made of
    found_in: Path | None  # the folder's file that installs from_version, if detected

    def describe(self) -> str:
        if self.from_version is None:
            return f"full install of llm-model-ids {self.to_version}"
        return f"upgrade of llm-model-ids {self.from_version} -> {self.to_version}"

    def text(self) -> str:
        if self.from_version is None:
            return sql_files.canonical_schema().read_text(encoding="utf-8")
        return sql_files.upgrade_sql(self.from_version)


def installed_in(folder: Path) -> tuple[str, Path] | None:
    """The newest llm-model-ids version the folder's *.sql files install, and its file."""
    found = [
        (version, path)
        for path in sorted(folder.glob("*.sql"))
        if (version := sql_files.version_of(path)) is not None
    ]
    return max(found, key=lambda item: version_key(item[0])) if found else None


def next_stamp(folder: Path, now: datetime) -> str:
    """Now (UTC, to the second), or one second after the folder's newest timestamp if later."""
    stamp = now.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    for path in folder.iterdir():
        match = _STAMP.match(path.name)
        if match is None:
            continue
        try:
            existing = datetime.strptime(match.group(1), _STAMP_FORMAT)
        except ValueError:
            continue
        if existing >= stamp:
            stamp = existing + timedelta(seconds=1)
    return stamp.strftime(_STAMP_FORMAT)


def plan_migration(
    folder: Path, from_version: str | None = None, *, now: datetime | None = None
) -> MigrationPlan:
    newest = sql_files.newest_version()
    found_in = None
    if from_version is None:
        found = installed_in(folder)
        if found is not None:
            from_version, found_in = found
    if from_version is not None and version_key(from_version) > version_key(newest):
        raise LlmModelIdsError(
            f"{found_in or folder} installs llm-model-ids {from_version}, newer than this "
            f"package ({newest}): install the matching package (pip install "
            f"'llm-model-ids=={from_version}')"
        )
    if from_version == newest:
        return MigrationPlan(None, newest, newest, (), found_in)
    sources = (
        (sql_files.canonical_schema(),)
        if from_version is None
        else tuple(sql_files.migrations_after(from_version))
    )
    if not sources:
        raise LlmModelIdsError(
            f"this package has no migration from llm-model-ids {from_version} to {newest}"
        )
    stamp = next_stamp(folder, now or datetime.now(UTC))
    name = f"{stamp}_llm_model_ids_{newest.replace('.', '_')}.sql"
    return MigrationPlan(folder / name, from_version, newest, sources, found_in)


def run(args: argparse.Namespace) -> int:
    plan = plan_migration(args.dir, args.from_version)
    if plan.path is None:
        where = plan.found_in or args.dir
        print(
            f"up to date: {where} already installs llm-model-ids {plan.to_version}; nothing written"
        )
        return 0
    made_of = ", ".join(path.name for path in plan.sources)
    if args.dry_run:
        print(f"would write {plan.path}: {plan.describe()} (from {made_of}); nothing written")
        return 0
    try:
        with plan.path.open("x", encoding="utf-8") as out:
            out.write(plan.text())
    except OSError as exc:
        raise LlmModelIdsError(f"cannot write {plan.path}: {exc.strerror or exc}") from exc
    print(f"wrote {plan.path}: {plan.describe()} (from {made_of})")
    print(
        "apply it with `supabase migration up` (local database) or `supabase db push` "
        "(linked project)"
    )
    return 0
