"""Issue the SQL that PostgREST issues for a Data API request, without PostgREST.

The tests need to know what a write through the Supabase Data API does to ``public.llm_models``
(RLS, grants, the trigger, the computed field ``load_path``), and CI has no Docker engine and no
PostgREST. This module sends the same statements PostgREST sends, in the same transaction shape,
through a psycopg connection logged in as ``authenticator``:

1. ``BEGIN ISOLATION LEVEL READ COMMITTED`` (``READ ONLY`` for a GET), as hasql-transaction does.
2. The transaction variables (``txVarQuery``)::

     select set_config('search_path', $1, true), [set_config($k, $v, true) per role setting,]
            set_config('role', $2, true), set_config('request.jwt.claims', $3, true),
            set_config('request.method', $4, true), set_config('request.path', $5, true),
            set_config('request.headers', $6, true), set_config('request.cookies', $7, true)

   ``search_path`` is ``"public", "public"`` (the request schema, then ``db-extra-search-path``,
   whose default is ``public``); the claims are the JWT's with ``role`` set to the role; headers
   and cookies are JSON objects with lower-case names. Role settings are those PostgREST loads
   for the impersonated role (``queryRoleSettings``: the role's cluster-wide ``rolconfig``, values
   lower-cased, only settings the role may set), applied before the role.
3. The main statement, then ``COMMIT`` (``ROLLBACK`` and psycopg's error re-raised on failure).

Main statements (``$1`` is the request body as ``json``, filter values are ``unknown``-typed text
parameters, exactly as PostgREST binds them)::

  POST /llm_models?columns=a,b   (insert; upsert adds Prefer: resolution=merge-duplicates;
                                  a JSON object body uses json_to_record instead)
    WITH pgrst_source AS (INSERT INTO "public"."llm_models"("a", "b")
      SELECT "pgrst_body"."a", "pgrst_body"."b"
      FROM (SELECT $1 AS json_data) pgrst_payload,
      LATERAL (SELECT "a", "b" FROM json_to_recordset(pgrst_payload.json_data)
               AS _("a" text, "b" jsonb) ) pgrst_body
      [upsert: WHERE set_config('pgrst.inserted', (coalesce(nullif(current_setting(
               'pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'
       ON CONFLICT("id") DO UPDATE SET "a" = EXCLUDED."a", "b" = EXCLUDED."b"
               WHERE set_config('pgrst.inserted', (... - 1)::text, true) <> '-1']
      RETURNING "public"."llm_models".*)
    SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
      array[]::text[] AS header, coalesce(json_agg(_postgrest_t), '[]') AS body,
      nullif(current_setting('response.headers', true), '') AS response_headers,
      nullif(current_setting('response.status', true), '') AS response_status,
      ['' | upsert: nullif(current_setting('pgrst.inserted', true),'')::int] AS response_inserted
    FROM (SELECT "llm_models".* FROM "pgrst_source" AS "llm_models") _postgrest_t

  PATCH /llm_models?id=eq.X
    WITH pgrst_source AS (UPDATE "public"."llm_models" SET "a" = "pgrst_body"."a"
      FROM (SELECT $1 AS json_data) pgrst_payload,
      LATERAL (SELECT "a" FROM json_to_record(pgrst_payload.json_data) AS _("a" text) ) pgrst_body
      WHERE "public"."llm_models"."id" = $2 RETURNING "public"."llm_models".*)
    SELECT ... (as above, response_inserted '')

  GET /llm_models?select=id,name,load_path&id=eq.X
    WITH pgrst_source AS ( SELECT "public"."llm_models"."id", "public"."llm_models"."name",
      "public"."llm_models"."load_path" FROM "public"."llm_models"
      WHERE "public"."llm_models"."id" = $1 )
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
      coalesce(json_agg(_postgrest_t), '[]') AS body, ... , '' AS response_inserted
    FROM ( SELECT * FROM pgrst_source ) _postgrest_t

A computed field is not a call PostgREST writes: a name that is not a column is selected like
one, ``"public"."llm_models"."load_path"``, and PostgreSQL's attribute notation turns it into
``load_path("llm_models")``, resolving the function through the request's ``search_path`` (why a
computed field must live in an exposed or extra-search-path schema). Insert and update columns
are the payload's keys as a set (sorted), with the nominal types of the schema cache
(``format_type(atttypid, atttypmod)``).

Matched: PostgREST v12.2 to v14 (Supabase projects run v12 or later; docker-compose.yml runs
v14.5). v12.0-12.1 wrapped the body in ``CASE WHEN json_typeof($1) = 'array' ...`` and always
used ``json_to_recordset`` (removed in v12.2, #2676); since then a JSON object body uses
``json_to_record`` and an array ``json_to_recordset``. v13 dropped limited updates (no change for
these statements). Whitespace differs from PostgREST's (it doubles some spaces); nothing else.
Not emulated: ``db-max-rows`` (a ``LIMIT``), ``Prefer: missing=default`` (jsonb defaults),
``count=``, embedding, ``db-pre-request``.

Sources: PostgREST's ``src/PostgREST/Query/PreQuery.hs`` (txVarQuery), ``Query/SqlFragment.hs``
(fromJsonBodyF, setConfigLocal, pgFmtFilter, returningF, addConfigPgrstInserted),
``Query/QueryBuilder.hs`` (mutatePlanToQuery, readPlanToQuery), ``Query/Statements.hs``
(prepareWrite, prepareRead), ``Plan.hs`` (addRels: the mutation read-back from ``pgrst_source``
aliased as the table), ``Config/Database.hs`` (queryRoleSettings), and its CHANGELOG (12.0.0 #1070
pgrst.inserted, #3019 set_config with constant names; 12.2.0 #2676); cross-checked against
statements PostgREST logged on Supabase projects (pg_stat_statements excerpts in public reports).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, LiteralString, cast

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.types.json import Json

Conn = psycopg.Connection[Any]
Row = dict[str, Any]
Body = Sequence[Mapping[str, Any]] | Mapping[str, Any]  # a JSON array or a JSON object

SCHEMA = "public"
TABLE = "llm_models"
EXTRA_SEARCH_PATH = ("public",)  # PostgREST's db-extra-search-path default
SOURCE = "pgrst_source"

# A type name as format_type() prints it: "text", "timestamp with time zone",
# "character varying(10)", "public.my_domain", "text[]", "\"Quoted\"".
_TYPE_NAME = re.compile(r'[A-Za-z_"][A-Za-z0-9_ ."$(),\[\]]*')

_READ_ONLY = sql.SQL("set transaction isolation level read committed, read only")
_READ_WRITE = sql.SQL("set transaction isolation level read committed, read write")

# queryRoleSettings (PostgREST >= 12, PostgreSQL >= 15), for one impersonated role.
_ROLE_SETTINGS = sql.SQL(
    """
    with role_setting as (
        select r.rolname, unnest(r.rolconfig) as setting
          from pg_catalog.pg_auth_members m
          join pg_catalog.pg_roles r on r.oid = m.roleid
         where m.member = current_user::regrole::oid
    ), kv_settings as (
        select rolname,
               substr(setting, 1, strpos(setting, '=') - 1) as key,
               lower(substr(setting, strpos(setting, '=') + 1)) as value
          from role_setting
    )
    select kv.key, kv.value
      from kv_settings kv
      join pg_catalog.pg_settings ps on ps.name = kv.key
       and (ps.context = 'user'
            or pg_catalog.has_parameter_privilege(current_user::regrole::oid, ps.name, 'set'))
     where kv.rolname = %s and kv.key <> 'default_transaction_isolation'
     order by kv.key
    """
)

_COLUMN_TYPES = sql.SQL(
    """
    select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped
     order by a.attnum
    """
)

# Statements.hs: the SELECT that wraps every write; {inserted} is '' or the upsert counter.
_WRITE_WRAPPER = sql.SQL(
    "WITH {source} AS ({mutation}) "
    "SELECT '' AS total_result_set, "
    "pg_catalog.count(_postgrest_t) AS page_total, "
    "array[]::text[] AS header, "
    "{body} AS body, "
    "nullif(current_setting('response.headers', true), '') AS response_headers, "
    "nullif(current_setting('response.status', true), '') AS response_status, "
    "{inserted} AS response_inserted "
    "FROM ({read_back}) _postgrest_t"
)
_READ_WRAPPER = sql.SQL(
    "WITH {source} AS ( {query} ) "
    "SELECT null::bigint AS total_result_set, "
    "pg_catalog.count(_postgrest_t) AS page_total, "
    "coalesce(json_agg(_postgrest_t), '[]') AS body, "
    "nullif(current_setting('response.headers', true), '') AS response_headers, "
    "nullif(current_setting('response.status', true), '') AS response_status, "
    "'' AS response_inserted "
    "FROM ( SELECT * FROM {source} ) _postgrest_t"
)
_JSON_BODY = sql.SQL("coalesce(json_agg(_postgrest_t), '[]')")
_NO_BODY = sql.SQL("''::text")  # Prefer: return=minimal (the NoAgg handler)
_NOT_UPSERT = sql.SQL("''")
_UPSERT_INSERTED = sql.SQL("nullif(current_setting('pgrst.inserted', true),'')::int")
_COUNT_INSERTED = sql.SQL(
    "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')"
    "::int, 0) + 1)::text, true) <> '0'"
)
_UNCOUNT_UPDATED = sql.SQL(
    "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')"
    "::int, 0) - 1)::text, true) <> '-1'"
)


def insert(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    rows: Body,
    returning: bool = True,
    *,
    table: str = TABLE,
) -> list[Row]:
    """``POST /table`` with ``Prefer: return=representation`` (or ``return=minimal`` when
    ``returning`` is false, which returns ``[]``). A list is a JSON array body (supabase-py
    ``insert([...])``, which also sends ``?columns=`` with the union of the keys: a key missing
    from a row is written as NULL); a single mapping is a JSON object body (``insert({...})``)."""
    return _post(conn, role, claims, rows, returning=returning, on_conflict=None, table=table)


def upsert(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    rows: Body,
    returning: bool = True,
    *,
    on_conflict: Sequence[str] = ("id",),
    table: str = TABLE,
) -> list[Row]:
    """``POST /table`` with ``Prefer: resolution=merge-duplicates`` (supabase-py ``upsert``):
    ``INSERT ... ON CONFLICT (on_conflict) DO UPDATE SET col = EXCLUDED.col`` for every column."""
    return _post(
        conn, role, claims, rows, returning=returning, on_conflict=on_conflict, table=table
    )


def patch(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    values: Mapping[str, Any],
    filters: Mapping[str, Any],
    returning: bool = True,
    *,
    table: str = TABLE,
) -> list[Row]:
    """``PATCH /table?col=eq.value&...`` with a JSON object body (supabase-py
    ``update(values).eq(col, value)``); returns the updated rows (those RLS let through)."""
    if not values:
        raise ValueError("PATCH needs at least one column (PostgREST then runs no UPDATE)")
    types = _column_types(conn, table)
    columns = _payload_columns([values], types, table)
    qi = _qi(table)
    mutation = sql.SQL("UPDATE {qi} SET {assignments} {body}{where} {returning}").format(
        qi=qi,
        assignments=sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Identifier("pgrst_body", c))
            for c in columns
        ),
        body=_from_json_body(columns, types, is_object=True),
        where=_where(qi, filters),
        returning=_returning(qi, returning),
    )
    statement = _write_statement(mutation, table, returning=returning, upsert=False)
    params: list[Any] = [Json(dict(values)), *_filter_values(filters)]
    return _request(
        conn,
        role,
        claims,
        "PATCH",
        table,
        statement,
        params,
        read_only=False,
        prefer="return=representation" if returning else "return=minimal",
    )


def select(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    columns: Sequence[str],
    filters: Mapping[str, Any] | None = None,
    *,
    table: str = TABLE,
) -> list[Row]:
    """``GET /table?select=a,b,computed&col=eq.value``. A name that is not a column (a computed
    field such as ``load_path``) is selected the way PostgREST selects it: as a column of the
    table, which PostgreSQL resolves to ``load_path(llm_models)`` via the search_path."""
    qi = _qi(table)
    items = [
        sql.SQL("{}.*").format(qi) if c == "*" else sql.SQL("{}.{}").format(qi, sql.Identifier(c))
        for c in (columns or ["*"])
    ]
    query = sql.SQL("SELECT {items} FROM {qi} {where}").format(
        items=sql.SQL(", ").join(items), qi=qi, where=_where(qi, filters or {})
    )
    statement = _READ_WRAPPER.format(source=sql.SQL(SOURCE), query=query)
    return _request(
        conn,
        role,
        claims,
        "GET",
        table,
        statement,
        _filter_values(filters or {}),
        read_only=True,
        prefer=None,
    )


def _post(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    rows: Body,
    *,
    returning: bool,
    on_conflict: Sequence[str] | None,
    table: str,
) -> list[Row]:
    is_object = isinstance(rows, Mapping)
    objects = [rows] if isinstance(rows, Mapping) else list(rows)
    types = _column_types(conn, table)
    columns = _payload_columns(objects, types, table)
    qi = _qi(table)
    upserting = on_conflict is not None
    conflict: sql.Composable = sql.SQL("")
    if on_conflict is not None and not columns:
        conflict = sql.SQL(" ON CONFLICT({keys}) DO NOTHING").format(
            keys=sql.SQL(", ").join(sql.Identifier(k) for k in on_conflict)
        )
    elif on_conflict is not None:
        conflict = sql.SQL(
            " ON CONFLICT({keys}) DO UPDATE SET {assignments} WHERE {uncount}"
        ).format(
            keys=sql.SQL(", ").join(sql.Identifier(k) for k in on_conflict),
            assignments=sql.SQL(", ").join(
                sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in columns
            ),
            uncount=_UNCOUNT_UPDATED,
        )
    mutation = sql.SQL("INSERT INTO {qi}{cols} {body}{count}{conflict} {returning}").format(
        qi=qi,
        cols=sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
        if columns
        else sql.SQL(" "),
        body=_select_json_body(columns, types, is_object=is_object),
        count=sql.SQL("WHERE {}").format(_COUNT_INSERTED) if upserting else sql.SQL(""),
        conflict=conflict,
        returning=_returning(qi, returning),
    )
    statement = _write_statement(mutation, table, returning=returning, upsert=upserting)
    prefer = ["return=representation" if returning else "return=minimal"]
    if upserting:
        prefer.append("resolution=merge-duplicates")
    return _request(
        conn,
        role,
        claims,
        "POST",
        table,
        statement,
        [Json(dict(objects[0]) if is_object else [dict(r) for r in objects])],
        read_only=False,
        prefer=",".join(prefer),
    )


def _qi(table: str) -> sql.Identifier:
    return sql.Identifier(SCHEMA, table)


def _payload_columns(
    rows: Iterable[Mapping[str, Any]], types: Mapping[str, sql.SQL], table: str
) -> list[str]:
    """The payload's keys as PostgREST's column set: sorted, each a column of the table."""
    columns = sorted({key for row in rows for key in row})
    unknown = [c for c in columns if c not in types]
    if unknown:
        raise ValueError(
            f"PGRST204: Could not find the {unknown[0]!r} column of {table!r} in the schema cache"
        )
    return columns


def _select_json_body(
    columns: Sequence[str], types: Mapping[str, sql.SQL], *, is_object: bool
) -> sql.Composed:
    """fromJsonBodyF with includeSelect (INSERT ... SELECT)."""
    named = sql.SQL(", ").join(sql.Identifier("pgrst_body", c) for c in columns)
    return sql.SQL("SELECT {named} {body}").format(
        named=named, body=_from_json_body(columns, types, is_object=is_object)
    )


def _from_json_body(
    columns: Sequence[str], types: Mapping[str, sql.SQL], *, is_object: bool
) -> sql.Composed:
    """fromJsonBodyF: the body as one json parameter, expanded by json_to_record(set)."""
    source: sql.Composable
    if columns:
        function = sql.SQL("json_to_record" if is_object else "json_to_recordset")
        source = sql.SQL("{function}(pgrst_payload.json_data) AS _({typed}) ").format(
            function=function,
            typed=sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), types[c]) for c in columns
            ),
        )
    elif is_object:
        source = sql.SQL("(values(1)) _ ")
    else:
        source = sql.SQL("json_array_elements(pgrst_payload.json_data) _ ")
    return sql.SQL(
        "FROM (SELECT %s AS json_data) pgrst_payload, LATERAL (SELECT {cols} FROM {source}) "
        "pgrst_body "
    ).format(
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        source=source,
    )


def _where(qi: sql.Identifier, filters: Mapping[str, Any]) -> sql.Composable:
    """pgFmtFilter for eq filters: `` "public"."llm_models"."col" = $n``, joined by AND."""
    if not filters:
        return sql.SQL("")
    return sql.SQL(" WHERE {}").format(
        sql.SQL(" AND ").join(sql.SQL(" {}.{} = %s").format(qi, sql.Identifier(c)) for c in filters)
    )


def _filter_values(filters: Mapping[str, Any]) -> list[str]:
    """Query-string values as supabase-py serializes them, bound as unknown-typed text."""
    return [_query_string_value(v) for v in filters.values()]


def _query_string_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _returning(qi: sql.Identifier, returning: bool) -> sql.Composable:
    """returningF: every column for return=representation with the default select, else 1."""
    if returning:
        return sql.SQL("RETURNING {}.*").format(qi)
    return sql.SQL("RETURNING 1")


def _write_statement(
    mutation: sql.Composable, table: str, *, returning: bool, upsert: bool
) -> sql.Composed:
    """prepareWrite: the read-back selects from pgrst_source aliased as the table (addRels)."""
    alias = sql.Identifier(table)
    read_back = (
        sql.SQL("SELECT {alias}.* FROM {source} AS {alias}").format(
            alias=alias, source=sql.Identifier(SOURCE)
        )
        if returning
        else sql.SQL("SELECT * FROM {}").format(sql.SQL(SOURCE))
    )
    return _WRITE_WRAPPER.format(
        source=sql.SQL(SOURCE),
        mutation=mutation,
        body=_JSON_BODY if returning else _NO_BODY,
        inserted=_UPSERT_INSERTED if upsert else _NOT_UPSERT,
        read_back=read_back,
    )


def _column_types(conn: Conn, table: str) -> dict[str, sql.SQL]:
    """The schema cache's columns and nominal types, read in a transaction of its own."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_COLUMN_TYPES, [SCHEMA, table])
        found = cur.fetchall()
    if not found:
        raise ValueError(
            f"PGRST205: Could not find the table '{SCHEMA}.{table}' in the schema cache"
        )
    types: dict[str, sql.SQL] = {}
    for name, type_name in found:
        if not _TYPE_NAME.fullmatch(type_name):
            raise ValueError(f"unexpected type name from format_type(): {type_name!r}")
        # A type name is SQL text by nature (it cannot be a parameter); it comes from the catalog.
        types[name] = sql.SQL(cast(LiteralString, type_name))
    return types


def _role_settings(conn: Conn, role: str) -> list[tuple[str, str]]:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_ROLE_SETTINGS, [role])
        return [(str(key), str(value)) for key, value in cur.fetchall()]


def _tx_vars(
    role: str,
    claims: Mapping[str, Any],
    method: str,
    path: str,
    headers: Mapping[str, str],
    role_settings: Sequence[tuple[str, str]],
) -> tuple[sql.Composed, list[str]]:
    """txVarQuery: search_path, role settings, role, claims, method, path, headers, cookies."""
    search_path = ", ".join(
        '"' + schema.replace('"', '""') + '"' for schema in (SCHEMA, *EXTRA_SEARCH_PATH)
    )
    jwt_claims = {**claims, "role": role}  # PostgREST inserts the role it switched to
    calls: list[sql.Composable] = [sql.SQL("set_config('search_path', %s, true)")]
    params: list[str] = [search_path]
    for key, value in role_settings:
        calls.append(sql.SQL("set_config(%s, %s, true)"))
        params += [key, value]
    calls += [
        sql.SQL("set_config('role', %s, true)"),
        sql.SQL("set_config('request.jwt.claims', %s, true)"),
        sql.SQL("set_config('request.method', %s, true)"),
        sql.SQL("set_config('request.path', %s, true)"),
        sql.SQL("set_config('request.headers', %s, true)"),
        sql.SQL("set_config('request.cookies', %s, true)"),
    ]
    params += [
        role,
        _compact_json(jwt_claims),
        method,
        path,
        _compact_json({k.lower(): v for k, v in headers.items()}),
        "{}",
    ]
    return sql.SQL("select {}").format(sql.SQL(", ").join(calls)), params


def _compact_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _request(
    conn: Conn,
    role: str,
    claims: Mapping[str, Any],
    method: str,
    table: str,
    statement: sql.Composed,
    params: Sequence[Any],
    *,
    read_only: bool,
    prefer: str | None,
) -> list[Row]:
    """One request: its own transaction, committed, or rolled back with the error re-raised."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("the connection must be idle: a request is a transaction of its own")
    headers = {"accept": "application/json", "accept-profile": SCHEMA}
    if method != "GET":
        headers |= {"content-type": "application/json", "content-profile": SCHEMA}
    if prefer:
        headers["prefer"] = prefer
    settings = _role_settings(conn, role)
    tx_vars, tx_params = _tx_vars(role, claims, method, f"/{table}", headers, settings)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_READ_ONLY if read_only else _READ_WRITE)
        cur.execute(tx_vars, tx_params)
        cur.execute(statement, params)
        result = cur.fetchone()
    if result is None:  # prepareWrite yields no row only for an empty response
        return []
    body = result["body"]
    if body == "" or body is None:  # return=minimal
        return []
    return cast(list[Row], body)


# What the app sends, for the tests that use these statements.

READABLE = "meta-llama/Llama-3.2-3B-Instruct"


def claims(user_id: str) -> dict[str, Any]:
    """The claims of a signed-in user's access token, as Supabase Auth issues them."""
    return {"sub": user_id, "role": "authenticated", "aud": "authenticated", "aal": "aal1"}


def model(user_id: str | None, name: str, model_id: str = READABLE, **extra: Any) -> dict[str, Any]:
    """One row as the app sends it; every row has the same keys (PostgREST's ?columns= is their
    union and a missing key would be written as NULL)."""
    return {
        "user_id": user_id,
        "name": name,
        "provider": "vllm",
        "model_id": model_id,
        "is_global": False,
        **extra,
    }
