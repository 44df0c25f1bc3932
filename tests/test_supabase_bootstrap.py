"""The Supabase side on plain PostgreSQL: sql/supabase/bootstrap.sql (roles, auth.uid()) and
sql/supabase/llm_models_rls.sql (RLS, grants), exercised with the statements PostgREST issues
(tests/postgrest.py) as the authenticator role, as a request through the Data API would.

The model ids here are already readable, so nothing depends on the llm-model-ids trigger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.pq import TransactionStatus

import postgrest
from llm_model_ids import sql_files
from postgrest import claims, model

READABLE = "meta-llama/Llama-3.2-3B-Instruct"
OTHER_READABLE = "Qwen/Qwen2.5-7B-Instruct"

# What bootstrap.sql sets up, read back in one snapshot (roles are cluster-global).
SNAPSHOT = sql.SQL(
    """
    select
        (select json_agg(json_build_array(rolname, rolcanlogin, rolinherit, rolbypassrls,
                                          rolconfig) order by rolname)
           from pg_catalog.pg_roles
          where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')),
        (select json_agg(r.rolname order by r.rolname)
           from pg_catalog.pg_auth_members m
           join pg_catalog.pg_roles r on r.oid = m.roleid
          where m.member = 'authenticator'::regrole),
        (select json_agg(json_build_array(p.proname, pg_catalog.pg_get_functiondef(p.oid),
                                          p.proacl) order by p.proname)
           from pg_catalog.pg_proc p
          where p.pronamespace = 'auth'::regnamespace),
        (select json_agg(json_build_array(nspname, nspacl) order by nspname)
           from pg_catalog.pg_namespace
          where nspname in ('public', 'auth'))
    """
)


@pytest.fixture
def admin(supabase_db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        yield conn


def snapshot(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    row = conn.execute(SNAPSHOT).fetchone()
    assert row is not None
    return tuple(row)


def test_bootstrap_is_idempotent(admin: psycopg.Connection[Any]) -> None:
    bootstrap = sql_files.supabase_bootstrap()[0].read_text(encoding="utf-8")
    before = snapshot(admin)
    admin.execute(bootstrap.encode())
    admin.execute(bootstrap.encode())
    assert snapshot(admin) == before

    roles, members, functions, _schemas = before
    # name, can log in, inherits, bypasses RLS
    assert [role[:4] for role in roles] == [
        ["anon", False, True, False],
        ["authenticated", False, True, False],
        ["authenticator", True, False, False],
        ["service_role", False, True, True],
    ]
    settings = {role[0]: role[4] or [] for role in roles}
    assert "statement_timeout=3s" in settings["anon"]
    assert "statement_timeout=8s" in settings["authenticated"]
    assert set(members) >= {"anon", "authenticated", "service_role"}
    assert [f[0] for f in functions] == ["email", "jwt", "role", "uid"]


def test_bootstrap_twice_on_a_fresh_database(admin: psycopg.Connection[Any]) -> None:
    """On a new database of a server whose roles already exist (the cluster-global case)."""
    bootstrap = sql_files.supabase_bootstrap()[0].read_text(encoding="utf-8")
    name = f"t_boot_{uuid.uuid4().hex[:12]}"
    admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        fresh = psycopg.conninfo.make_conninfo(admin.info.dsn, dbname=name)
        if admin.info.password:
            fresh = psycopg.conninfo.make_conninfo(fresh, password=admin.info.password)
        with psycopg.connect(fresh, autocommit=True) as conn:
            conn.execute(bootstrap.encode())
            first = snapshot(conn)
            conn.execute(bootstrap.encode())
            assert snapshot(conn) == first
            # roles, memberships and auth functions: the same as in the bootstrapped database
            assert first[:3] == snapshot(admin)[:3]
    finally:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def evaluate(
    conn: psycopg.Connection[Any], role: str, settings: dict[str, str], expression: sql.SQL
) -> tuple[Any, ...]:
    """Evaluate an expression as `role` with transaction-local settings, as in a request."""
    with conn.transaction():
        conn.execute("select set_config('role', %s, true)", [role])
        for name, value in settings.items():
            conn.execute("select set_config(%s, %s, true)", [name, value])
        row = conn.execute(sql.SQL("select {}").format(expression)).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("request.jwt.claims", '{"sub": "%s", "role": "authenticated"}'),
        ("request.jwt.claim.sub", "%s"),  # the per-claim setting of PostgREST < 9
    ],
)
def test_auth_uid_reads_the_sub_claim(
    authenticator: psycopg.Connection[Any], setting: str, value: str
) -> None:
    user_id = str(uuid.uuid4())
    row = evaluate(
        authenticator, "authenticated", {setting: value % user_id}, sql.SQL("auth.uid()")
    )
    assert row == (uuid.UUID(user_id),)


def test_auth_functions_without_claims(authenticator: psycopg.Connection[Any]) -> None:
    for role in ("anon", "authenticated", "service_role"):
        row = evaluate(authenticator, role, {}, sql.SQL("auth.uid(), auth.role(), auth.jwt()"))
        assert row == (None, None, None)


def test_auth_role_email_and_jwt_read_the_claims(authenticator: psycopg.Connection[Any]) -> None:
    user_id = str(uuid.uuid4())
    jwt = f'{{"sub": "{user_id}", "role": "authenticated", "email": "a@example.test"}}'
    row = evaluate(
        authenticator,
        "authenticated",
        {"request.jwt.claims": jwt},
        sql.SQL("auth.role(), auth.email(), auth.jwt() ->> 'sub'"),
    )
    assert row == ("authenticated", "a@example.test", user_id)


def test_authenticator_alone_has_no_privilege(authenticator: psycopg.Connection[Any]) -> None:
    """NOINHERIT: until PostgREST sets the request's role, authenticator can read nothing."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        authenticator.execute("select id from public.llm_models limit 1")


def test_authenticated_inserts_and_reads_own_rows(authenticator: psycopg.Connection[Any]) -> None:
    user_a = str(uuid.uuid4())
    inserted = postgrest.insert(
        authenticator,
        "authenticated",
        claims(user_a),
        [model(user_a, "a-1"), model(user_a, "a-2", OTHER_READABLE)],
    )
    assert [(r["name"], r["model_id"], r["user_id"]) for r in inserted] == [
        ("a-1", READABLE, user_a),
        ("a-2", OTHER_READABLE, user_a),
    ]

    selected = postgrest.select(
        authenticator, "authenticated", claims(user_a), ["id", "name", "load_path"]
    )
    assert sorted((r["name"], r["load_path"]) for r in selected) == [
        ("a-1", READABLE),
        ("a-2", OTHER_READABLE),
    ]
    assert {r["id"] for r in selected} == {r["id"] for r in inserted}


def test_authenticated_cannot_insert_a_row_for_another_user(
    authenticator: psycopg.Connection[Any], admin: psycopg.Connection[Any]
) -> None:
    user_a, user_b = str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        postgrest.insert(authenticator, "authenticated", claims(user_a), [model(user_b, "b-1")])
    assert caught.value.sqlstate == "42501"
    assert "row-level security" in str(caught.value)
    count = admin.execute(
        "select count(*) from public.llm_models where user_id = %s", [user_b]
    ).fetchone()
    assert count == (0,)


def test_global_row_of_another_user_is_readable_but_not_writable(
    authenticator: psycopg.Connection[Any], admin: psycopg.Connection[Any]
) -> None:
    user_a, user_b = str(uuid.uuid4()), str(uuid.uuid4())
    # B's shared model and B's private one, written by the app's server side (service_role).
    written = postgrest.insert(
        authenticator,
        "service_role",
        {"role": "service_role"},
        [model(user_b, "b-global", is_global=True), model(user_b, "b-private")],
    )
    global_id = next(r["id"] for r in written if r["name"] == "b-global")

    seen = postgrest.select(
        authenticator,
        "authenticated",
        claims(user_a),
        ["id", "name", "is_global"],
        {"user_id": user_b},
    )
    assert seen == [{"id": global_id, "name": "b-global", "is_global": True}]

    patched = postgrest.patch(
        authenticator,
        "authenticated",
        claims(user_a),
        {"name": "taken over", "model_id": OTHER_READABLE},
        {"id": global_id},
    )
    assert patched == []
    row = admin.execute(
        "select name, model_id from public.llm_models where id = %s", [global_id]
    ).fetchone()
    assert row == ("b-global", READABLE)


def test_owner_patches_own_row(authenticator: psycopg.Connection[Any]) -> None:
    user_a = str(uuid.uuid4())
    # a JSON object body (supabase-py insert({...})): json_to_record instead of json_to_recordset
    (row,) = postgrest.insert(authenticator, "authenticated", claims(user_a), model(user_a, "a"))
    (patched,) = postgrest.patch(
        authenticator, "authenticated", claims(user_a), {"name": "renamed"}, {"id": row["id"]}
    )
    assert (patched["id"], patched["name"], patched["model_id"]) == (row["id"], "renamed", READABLE)


def test_owner_cannot_give_a_row_away(authenticator: psycopg.Connection[Any]) -> None:
    """The update policy's WITH CHECK: user_id cannot be changed to someone else's."""
    user_a, user_b = str(uuid.uuid4()), str(uuid.uuid4())
    (row,) = postgrest.insert(authenticator, "authenticated", claims(user_a), [model(user_a, "a")])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.patch(
            authenticator, "authenticated", claims(user_a), {"user_id": user_b}, {"id": row["id"]}
        )


def test_upsert_of_own_row(authenticator: psycopg.Connection[Any]) -> None:
    user_a = str(uuid.uuid4())
    (row,) = postgrest.insert(authenticator, "authenticated", claims(user_a), [model(user_a, "a")])
    (upserted,) = postgrest.upsert(
        authenticator,
        "authenticated",
        claims(user_a),
        [{**model(user_a, "a", OTHER_READABLE), "id": row["id"]}],
    )
    assert (upserted["id"], upserted["model_id"]) == (row["id"], OTHER_READABLE)


def test_anon_cannot_insert(authenticator: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        postgrest.insert(authenticator, "anon", {"role": "anon"}, [model(None, "anonymous")])
    assert caught.value.sqlstate == "42501"


def test_anon_cannot_read(authenticator: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.select(authenticator, "anon", {"role": "anon"}, ["id"])


def test_service_role_bypasses_rls(authenticator: psycopg.Connection[Any]) -> None:
    user_a, user_b = str(uuid.uuid4()), str(uuid.uuid4())
    postgrest.insert(authenticator, "authenticated", claims(user_a), [model(user_a, "a")])
    postgrest.insert(authenticator, "authenticated", claims(user_b), [model(user_b, "b")])
    rows = postgrest.select(authenticator, "service_role", {"role": "service_role"}, ["user_id"])
    assert {user_a, user_b} <= {r["user_id"] for r in rows}


def test_a_failed_request_is_rolled_back(authenticator: psycopg.Connection[Any]) -> None:
    """One transaction per request: the error leaves the connection idle and nothing written."""
    user_a = str(uuid.uuid4())
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.insert(
            authenticator,
            "authenticated",
            claims(user_a),
            [model(user_a, "ok"), model(str(uuid.uuid4()), "not mine")],
        )
    assert authenticator.info.transaction_status == TransactionStatus.IDLE
    assert postgrest.select(authenticator, "authenticated", claims(user_a), ["id"]) == []
    row = authenticator.execute("select current_user, current_setting('role')").fetchone()
    assert row == ("authenticator", "none")
