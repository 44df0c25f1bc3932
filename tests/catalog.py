"""A snapshot of everything llm-model-ids puts in a database, to compare two installs; and the
installed definition of one trigger."""

from __future__ import annotations

from typing import Any

from rows import Conn

_QUERIES = {
    "schema": """
        select nspname, coalesce(nspacl::text, '') from pg_catalog.pg_namespace
         where nspname = 'llm_model_ids'""",
    "functions": """
        select p.oid::regprocedure::text, pg_catalog.pg_get_functiondef(p.oid),
               coalesce(p.proacl::text, ''), p.prosecdef, coalesce(p.proconfig::text, '')
          from pg_catalog.pg_proc p
         where p.pronamespace = 'llm_model_ids'::regnamespace
            or p.oid = pg_catalog.to_regprocedure('public.load_path(public.llm_models)')""",
    "relations": """
        select c.relname, c.relkind::text, coalesce(c.relacl::text, ''),
               coalesce(pg_catalog.array_to_string(c.reloptions, ','), ''),
               case when c.relkind = 'v' then pg_catalog.pg_get_viewdef(c.oid) else '' end,
               (select pg_catalog.string_agg(
                           a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                           || case when a.attnotnull then ' not null' else '' end,
                           ', ' order by a.attnum)
                  from pg_catalog.pg_attribute a
                 where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)
          from pg_catalog.pg_class c
         where c.relnamespace = 'llm_model_ids'::regnamespace""",
    "indexes": """
        select pg_catalog.pg_get_indexdef(i.indexrelid) from pg_catalog.pg_index i
          join pg_catalog.pg_class c on c.oid = i.indrelid
         where c.relnamespace = 'llm_model_ids'::regnamespace""",
    "triggers": """
        select t.tgname, pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled::text
          from pg_catalog.pg_trigger t
         where t.tgrelid = 'public.llm_models'::regclass and not t.tgisinternal""",
}


def snapshot(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
    if conn.execute("select pg_catalog.to_regnamespace('llm_model_ids')").fetchone() == (None,):
        return {"triggers": sorted(conn.execute(_QUERIES["triggers"]).fetchall())}
    return {name: sorted(conn.execute(query).fetchall()) for name, query in _QUERIES.items()}


def trigger_definition(conn: Conn, name: str = "llm_model_ids_normalize_insert") -> str:
    """CREATE TRIGGER … as the database holds it (pg_get_triggerdef) for a trigger on llm_models."""
    row = conn.execute(
        "select pg_catalog.pg_get_triggerdef(oid) from pg_catalog.pg_trigger"
        " where tgrelid = 'public.llm_models'::regclass and tgname = %s",
        [name],
    ).fetchone()
    assert row is not None, f"no trigger {name} on public.llm_models"
    return str(row[0])
