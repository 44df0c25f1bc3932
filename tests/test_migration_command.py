"""`llm-model-ids migration`: one new, timestamped migration file in a Supabase project's folder;
the full install, or only the upgrade from what the folder already installs; nothing when up to
date. (No server needed: tests/test_supabase_cli.py applies what it writes with the Supabase
CLI.)"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from llm_model_ids import __version__, sql_files
from llm_model_ids.cli import main
from llm_model_ids.commands.migration import next_stamp, plan_migration

NEWEST = sql_files.newest_version()
SUFFIX = f"_llm_model_ids_{NEWEST.replace('.', '_')}.sql"
APP_TABLE = "20261128120000_create_llm_models.sql"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["migration", *args])
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["migration", *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err.splitlines()[-1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A Supabase project's migrations folder holding the app's own table migration."""
    migrations = tmp_path / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / APP_TABLE).write_text(sql_files.reference_table().read_text())
    return migrations


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def ours(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{SUFFIX}"))


def test_full_install_into_a_project_without_it(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    code, out, err = run(capsys, "--dir", str(folder))
    after = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    assert (code, err) == (0, "")
    [written] = ours(folder)
    assert listing(folder) == sorted([APP_TABLE, written.name])
    stamp = datetime.strptime(written.name[:14], "%Y%m%d%H%M%S")
    assert before <= stamp <= after and written.name > APP_TABLE
    assert re.fullmatch(r"\d{14}" + re.escape(SUFFIX), written.name)
    assert written.read_text() == sql_files.canonical_schema().read_text()
    assert sql_files.version_of(written) == NEWEST == __version__
    assert out.splitlines()[0] == (
        f"wrote {written}: full install of llm-model-ids {NEWEST} (from llm_model_ids.sql)"
    )
    # again: up to date, nothing written
    code, out, err = run(capsys, "--dir", str(folder))
    assert (code, err) == (0, "")
    assert (
        out == f"up to date: {written} already installs llm-model-ids {NEWEST}; nothing written\n"
    )
    assert listing(folder) == sorted([APP_TABLE, written.name])


def copy_older_versions(folder: Path, version: str) -> list[str]:
    """The migrations up to ``version``, copied under the project's own (older) timestamps."""
    names = []
    for i, path in enumerate(sql_files.migrations_through(version)):
        installs = sql_files.version_of(path)
        assert installs is not None
        name = f"2026110{i + 1}000000_add_llm_model_ids_{installs.replace('.', '_')}.sql"
        shutil.copy(path, folder / name)
        names.append(name)
    return names


@pytest.mark.parametrize("version", sql_files.known_versions()[:-1])
def test_only_the_upgrade_into_a_project_that_has_an_older_version(
    folder: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    copied = copy_older_versions(folder, version)
    code, out, _ = run(capsys, "--dir", str(folder))
    assert code == 0
    [written] = ours(folder)
    newer = sql_files.migrations_after(version)
    assert newer and written.read_text() == "".join(path.read_text() for path in newer)
    assert written.read_text() != sql_files.canonical_schema().read_text()
    assert out.splitlines()[0] == (
        f"wrote {written}: upgrade of llm-model-ids {version} -> {NEWEST} "
        f"(from {', '.join(path.name for path in newer)})"
    )
    assert listing(folder) == sorted([APP_TABLE, *copied, written.name])
    assert run(capsys, "--dir", str(folder))[1].startswith("up to date: ")
    assert listing(folder) == sorted([APP_TABLE, *copied, written.name])


def test_from_overrides_the_folder(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = sql_files.known_versions()[0]
    assert run(capsys, "--dir", str(folder), "--from", older)[0] == 0
    [written] = ours(folder)
    assert written.read_text() == sql_files.upgrade_sql(older)
    written.unlink()
    code, out, _ = run(capsys, "--dir", str(folder), "--from", NEWEST)
    assert code == 0 and out.startswith("up to date: ") and ours(folder) == []


def test_dry_run_writes_nothing(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--dir", str(folder), "--dry-run")
    assert (code, err) == (0, "")
    assert re.fullmatch(
        f"would write {re.escape(str(folder))}/\\d{{14}}{re.escape(SUFFIX)}: full install of "
        f"llm-model-ids {re.escape(NEWEST)} \\(from llm_model_ids.sql\\); nothing written\n",
        out,
    )
    assert listing(folder) == [APP_TABLE]


def test_sorts_after_files_dated_in_the_future(folder: Path) -> None:
    (folder / "20991231235959_later.sql").write_text("select 1;\n")
    (folder / "99999999999999_not_a_date.sql").write_text("select 1;\n")
    plan = plan_migration(folder)
    assert plan.path is not None and plan.path.name == "21000101000000" + SUFFIX


def test_next_stamp_is_now_or_one_second_after_the_newest(tmp_path: Path) -> None:
    now = datetime(2026, 11, 29, 5, 0, 0, 123456, tzinfo=UTC)
    assert next_stamp(tmp_path, now) == "20261129050000"
    (tmp_path / "20261129050000_same_second.sql").write_text("")
    assert next_stamp(tmp_path, now) == "20261129050001"
    (tmp_path / "20261128000000_older.sql").write_text("")
    assert next_stamp(tmp_path, now) == "20261129050001"


def test_a_folder_newer_than_the_package(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    future = folder / "20261201000000_llm_model_ids_99.sql"
    future.write_text(
        "create or replace function llm_model_ids.version()\nreturns text\nlanguage sql\n"
        "as $$ select '99.0.0'::pg_catalog.text $$;\n"
    )
    code, out, err = run(capsys, "--dir", str(folder))
    assert (code, out) == (1, "")
    assert err == (
        f"llm-model-ids migration: {future} installs llm-model-ids 99.0.0, newer than this "
        f"package ({NEWEST}): install the matching package (pip install 'llm-model-ids==99.0.0')\n"
    )
    assert ours(folder) == []


def test_usage_errors(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert usage_error(capsys, "--dir", str(missing)) == (
        f"llm-model-ids migration: error: argument --dir: {missing}: no such directory "
        "(run from the Supabase project's root, or pass --dir)"
    )
    assert usage_error(capsys, "--dir", str(folder / APP_TABLE)).endswith(
        f"{folder / APP_TABLE}: not a directory (run from the Supabase project's root, or pass "
        "--dir)"
    )
    known = ", ".join(sql_files.known_versions())
    for bad in ("0.9.0", "latest"):
        assert usage_error(capsys, "--dir", str(folder), "--from", bad) == (
            f"llm-model-ids migration: error: argument --from: unknown version {bad!r}: "
            f"llm-model-ids versions are {known}"
        )
    assert listing(folder) == [APP_TABLE]


def test_default_dir_is_supabase_migrations(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(folder.parent.parent)
    assert run(capsys)[0] == 0
    [written] = ours(folder)
    assert run(capsys)[1] == (
        f"up to date: {Path('supabase/migrations') / written.name} already installs "
        f"llm-model-ids {NEWEST}; nothing written\n"
    )
    monkeypatch.chdir(folder)
    assert "no such directory" in usage_error(capsys)


def test_version_of_reads_the_last_definition(tmp_path: Path) -> None:
    assert sql_files.version_of(sql_files.canonical_schema()) == __version__
    assert [sql_files.version_of(path) for path in sql_files.migrations()] == (
        sql_files.known_versions()
    )
    text = "".join(path.read_text() for path in sql_files.migrations())
    both = tmp_path / "all.sql"
    both.write_text(text)
    assert sql_files.version_of(both) == NEWEST
    (tmp_path / "none.sql").write_text("create table t (id int);\n")
    assert sql_files.version_of(tmp_path / "none.sql") is None
