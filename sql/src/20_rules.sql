-- Why: status and upgrades need to know which version of the functions is installed.
create or replace function llm_model_ids.version()
returns text
language sql
immutable
security invoker
set search_path = ''
as $$ select {{VERSION}}::pg_catalog.text $$;

-- Why: the one list of serving engines run by the app itself, whose opaque ids (UUIDs, digests)
-- and relative paths are never a model name. For hosted APIs an opaque id or an org/name path
-- may be the real API name, so only these providers get them rewritten.
create or replace function llm_model_ids.self_hosted_providers()
returns text[]
language sql
immutable
security invoker
set search_path = ''
as $$ select {{PROVIDERS}} $$;

-- Why: "surrounding whitespace" means ASCII whitespace only, so SQL and Python agree on any input.
create or replace function llm_model_ids.trim_ws(p_value text)
returns text
language sql
immutable
strict
security invoker
set search_path = ''
as $$ select pg_catalog.btrim(p_value, {{WS}}) $$;

-- Why: a location says where weights are, not what the model is (POSIX, home, relative with
-- ./ or .\, Windows drive, UNC, $VAR/ or %VAR%\, or a storage/hub/web URI). Expects a trimmed
-- value.
create or replace function llm_model_ids.is_location(p_value text)
returns boolean
language sql
immutable
strict
security invoker
set search_path = ''
as $$ select {{IS_LOCATION:p_value}} $$;

-- Why: an opaque id names nothing a person can read: a UUID (optionally job_/run_ prefixed),
-- a 40/64-hex digest (also sha256-/sha256: prefixed), or only digits. Expects a trimmed value.
create or replace function llm_model_ids.is_opaque(p_value text)
returns boolean
language sql
immutable
strict
security invoker
set search_path = ''
as $$ select {{OPAQUE:p_value}} $$;

-- Why: what a hosted provider's rewrite may produce: visible, not too long, not a location, not
-- opaque. (For self-hosted engines a relative path is not readable either; normalize knows.)
create or replace function llm_model_ids.is_readable(p_value text)
returns boolean
language sql
immutable
security invoker
set search_path = ''
as $$
    select coalesce({{VISIBLE:p_value}}
                    and {{FITS:p_value}}
                    and not llm_model_ids.is_location(p_value)
                    and not llm_model_ids.is_opaque(p_value), false)
$$;

-- Why: the rules in one function, for explain, audit, backfill and the tests. The same body is
-- compiled into the trigger (sql/src/rules_body.sql), so the trigger gives exactly its results
-- without a function call per row. kind is 'location' or 'opaque' when the row is to be
-- rewritten, null when it is left as written.
create or replace function llm_model_ids.normalize(
    p_model_id text,
    p_base_model text default null,
    p_name text default null,
    p_provider text default null,
    out model_id text,
    out rule text,
    out kind text
)
language plpgsql
immutable
security invoker
set search_path = ''
as $$
declare
{{RULES_DECLARE}}
begin
{{RULES_BODY}}
    model_id := r_model_id;
    rule := r_rule;
    kind := r_kind;
end
$$;

-- Why: backfill's test for "the rules would rewrite this row", from normalize itself (with a
-- stand-in name, so an opaque id of a self-hosted engine counts even when the row has no name).
create or replace function llm_model_ids.is_candidate(p_model_id text, p_provider text)
returns boolean
language sql
immutable
security invoker
set search_path = ''
as $$
    select (llm_model_ids.normalize(p_model_id, null, 'x', p_provider)).kind is not null
$$;
