"""The upsert hand-off is left only in transactions that may upsert (1.6): PostgreSQL fires the
table's BEFORE UPDATE statement triggers for an INSERT ... ON CONFLICT DO UPDATE (and every
UPDATE), and llm_model_ids_mark_upsert sets llm_model_ids.may_upsert = on there. A plain INSERT
or COPY leaves none; the mark changes no later statement's result; a nested UPDATE between a row's
insert and update triggers does not drop a pending hand-off."""

from __future__ import annotations

from typing import Any

import pytest

from rows import Conn, insert, pending_upsert, setting, upsert_names

USER = "00000000-0000-0000-0000-0000000000b2"


@pytest.fixture
def observed(conn: Conn) -> Conn:
    """A BEFORE INSERT row trigger that fires after the project's (triggers fire in name order)
    and records what the insert trigger left in llm_model_ids.pending_upsert."""
    conn.execute(
        """
        create table public.seen (n bigint generated always as identity, pending text);
        create function public.observe_pending() returns trigger language plpgsql as $$
        begin
            insert into public.seen (pending)
            values (pg_catalog.current_setting('llm_model_ids.pending_upsert', true));
            return new;
        end
        $$;
        create trigger zz_observe_pending before insert on public.llm_models
            for each row execute function public.observe_pending();
        create unique index llm_models_user_name on public.llm_models (user_id, name);
        """
    )
    return conn


def _seen(conn: Conn) -> list[Any]:
    return [row[0] for row in conn.execute("select pending from public.seen order by n")]


def _upsert(conn: Conn, rows: list[tuple[str, str]]) -> None:
    upsert_names(conn, USER, rows)


def test_a_plain_insert_leaves_no_hand_off(observed: Conn) -> None:
    observed.execute(
        "insert into public.llm_models (user_id, provider, name, model_id)"
        " values (%s, 'vllm', 'a', '/runs/a-ft/checkpoint-1'),"
        " (%s, 'vllm', 'b', '/runs/b-ft/checkpoint-1')",
        [USER, USER],
    )
    assert all(pending in (None, "") for pending in _seen(observed))
    assert len(_seen(observed)) == 2


def test_copy_leaves_no_hand_off(observed: Conn) -> None:
    with observed.cursor().copy(
        "copy public.llm_models (user_id, provider, name, model_id) from stdin"
    ) as copy:
        copy.write_row((USER, "vllm", "a", "/runs/a-ft/checkpoint-1"))
    assert [p in (None, "") for p in _seen(observed)] == [True]
    stored = observed.execute("select model_id, metadata from public.llm_models").fetchone()
    assert stored == ("a-ft", {"model_path": "/runs/a-ft/checkpoint-1"})


def test_an_upsert_leaves_each_rewritten_row_for_its_update(observed: Conn) -> None:
    _upsert(observed, [("a", "/runs/a-ft/checkpoint-1"), ("b", "/runs/b-ft/checkpoint-1")])
    seen = _seen(observed)
    assert [pending[:1] for pending in seen] == ["m", "m"]
    assert "/runs/a-ft/checkpoint-1" in seen[0] and "/runs/b-ft/checkpoint-1" in seen[1]
    assert pending_upsert(observed) == ""


def test_the_mark_an_update_leaves_changes_no_later_statement(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    assert setting(conn, "llm_model_ids.may_upsert") in (None, "")
    with conn.transaction():
        conn.execute("update public.llm_models set name = 'renamed' where id = %s", [row["id"]])
        assert (setting(conn, "llm_model_ids.may_upsert"), pending_upsert(conn)) == ("on", "")
        # a metadata edit in the marked transaction
        edited = conn.execute(
            'update public.llm_models set metadata = \'{"model_path": "/moved"}\''
            " where id = %s returning model_id, metadata",
            [row["id"]],
        ).fetchone()
        assert edited == ("qwen-ft", {"model_path": "/moved"})
        # an INSERT in the marked transaction rewrites as always; its hand-off ends with it
        other = insert(conn, name="other", model_id="/runs/other-ft/checkpoint-2")
        assert (other["model_id"], other["metadata"]) == (
            "other-ft",
            {"model_path": "/runs/other-ft/checkpoint-2"},
        )
        assert pending_upsert(conn) == ""
        renamed = conn.execute(
            "update public.llm_models set model_id = 'other-ft-v2' where id = %s"
            " returning metadata",
            [other["id"]],
        ).fetchone()
        assert renamed == ({"model_path": "/runs/other-ft/checkpoint-2"},)
    assert setting(conn, "llm_model_ids.may_upsert") in (None, "")


def test_a_nested_update_between_a_rows_triggers_keeps_its_hand_off(conn: Conn) -> None:
    """A trigger of the app's that fires after the project's insert trigger and runs an UPDATE of
    the table (here one that changes no row) fires the mark trigger while a hand-off is pending:
    the mark must not replace it."""
    conn.execute(
        """
        create unique index llm_models_user_name on public.llm_models (user_id, name);
        create function public.touch_others() returns trigger language plpgsql as $$
        begin
            update public.llm_models set enabled = enabled where false;
            return new;
        end
        $$;
        create trigger zz_touch_others before insert on public.llm_models
            for each row execute function public.touch_others();
        """
    )
    insert(conn, user_id=USER, name="a", model_id="/v1/a-ft")
    insert(conn, user_id=USER, name="b", model_id="/v1/b-ft")
    _upsert(conn, [("a", "/v2/a-ft"), ("b", "/v2/b-ft")])
    stored = dict(
        conn.execute(
            "select name, metadata from public.llm_models where user_id = %s", [USER]
        ).fetchall()
    )
    assert stored == {
        "a": {"model_path": "/v2/a-ft", "previous_model_path": "/v1/a-ft"},
        "b": {"model_path": "/v2/b-ft", "previous_model_path": "/v1/b-ft"},
    }
