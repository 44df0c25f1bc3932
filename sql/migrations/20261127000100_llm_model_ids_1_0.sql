-- llm-model-ids 1.0.0: keep public.llm_models.model_id readable, keep the load path in metadata.
--
-- A BEFORE INSERT / BEFORE UPDATE trigger on public.llm_models rewrites a model_id that is a
-- location (a filesystem path or URI) or, for self-hosted engines, an opaque id (UUID, digest,
-- digits) into a readable id, and keeps the original in metadata.model_path /
-- metadata.original_model_id. The rules are documented in README.md ("The rules").
--
-- Idempotent: safe to run again. Creates nothing in public but the two triggers; never creates
-- or alters a column of public.llm_models.
set lock_timeout = '5s';

-- Refuse to install where the table or one of the columns the trigger reads is missing.
do $check$
declare
    v_missing text;
begin
    if to_regclass('public.llm_models') is null then
        raise exception 'llm-model-ids: table public.llm_models does not exist'
            using errcode = '42P01',
                  hint = 'Create the app''s table first (sql/reference/llm_models.sql is a reference DDL).';
    end if;
    select string_agg(format('%s %s', need.col, need.typ), ', ' order by need.col)
      into v_missing
      from (values ('model_id', 'text'), ('base_model', 'text'), ('name', 'text'),
                   ('provider', 'text'), ('metadata', 'jsonb')) as need(col, typ)
     where not exists (
         select 1
           from pg_catalog.pg_attribute a
          where a.attrelid = 'public.llm_models'::regclass
            and a.attname = need.col
            and not a.attisdropped
            and a.atttypid = (case need.typ when 'jsonb' then 'pg_catalog.jsonb'::regtype
                                            else 'pg_catalog.text'::regtype end));
    if v_missing is not null then
        raise exception 'llm-model-ids: public.llm_models lacks column(s) %', v_missing
            using errcode = '42703',
                  hint = 'The trigger reads model_id, base_model, name, provider (text) and metadata (jsonb).';
    end if;
end
$check$;

create schema if not exists llm_model_ids;
comment on schema llm_model_ids is
    'llm-model-ids: keeps public.llm_models.model_id readable. Not exposed by the Data API.';

-- Why: status and upgrades need to know which version of the functions is installed.
create or replace function llm_model_ids.version()
returns text
language sql
immutable
security invoker
set search_path = ''
as $$ select '1.0.0'::text $$;

-- Why: the one list of serving engines whose opaque ids (UUIDs, digests) are never a model name.
-- For hosted APIs an opaque id may be the real API name, so only these providers get it rewritten.
create or replace function llm_model_ids.self_hosted_providers()
returns text[]
language sql
immutable
security invoker
set search_path = ''
as $$
    select array['vllm', 'sglang', 'tgi', 'text-generation-inference', 'lmdeploy', 'tensorrt-llm',
                 'trtllm', 'triton', 'llama.cpp', 'llamacpp', 'llama-cpp', 'ollama', 'localai',
                 'lmstudio', 'aphrodite', 'local']::text[]
$$;

-- Why: "surrounding whitespace" means ASCII whitespace only, so SQL and Python agree on any input.
create or replace function llm_model_ids.trim_ws(p_value text)
returns text
language sql
immutable
strict
security invoker
set search_path = ''
as $$ select pg_catalog.btrim(p_value, e' \t\n\r\f\x0b') $$;

-- Why: a location says where weights are, not what the model is (POSIX, home, relative,
-- Windows drive, UNC, or a storage/hub/web URI). Expects a trimmed value.
create or replace function llm_model_ids.is_location(p_value text)
returns boolean
language sql
immutable
strict
security invoker
set search_path = ''
as $$
    select p_value operator(pg_catalog.~) ('^(/|~(/|$)|[.][.]?/|[A-Za-z]:[\\/]|\\\\'
        '|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]'
        '|[Hh][Tt][Tt][Pp][Ss]?)://)')
$$;

-- Why: an opaque id names nothing a person can read: a UUID (optionally job_/run_ prefixed),
-- a 40/64-hex digest, or only digits. Expects a trimmed value.
create or replace function llm_model_ids.is_opaque(p_value text)
returns boolean
language sql
immutable
strict
security invoker
set search_path = ''
as $$
    select p_value operator(pg_catalog.~) ('^((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?'
        '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
        '|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9]+)$')
$$;

-- Why: the result of every rewrite must pass this, which is what makes the trigger idempotent.
create or replace function llm_model_ids.is_readable(p_value text)
returns boolean
language sql
immutable
security invoker
set search_path = ''
as $$
    select coalesce(p_value <> ''
                    and not llm_model_ids.is_location(p_value)
                    and not llm_model_ids.is_opaque(p_value), false)
$$;

-- Why: rules 2 and 3 — a hub id recovered from a location, else a name from its path segments.
-- Returns (null, null) when the location yields no name. Expects a trimmed location.
create or replace function llm_model_ids.name_from_location(
    p_location text,
    out name text,
    out rule text
)
language plpgsql
immutable
strict
security invoker
set search_path = ''
as $$
declare
    v_match text[];
    v_segments text[];
    v_segment text;
    v_lower text;
begin
    -- Rule 2: https://huggingface.co/{org}/{name}/... and hf://{org}/{name}/...
    v_match := pg_catalog.regexp_match(p_location,
        '^([Hh][Tt][Tt][Pp][Ss]://[Hh][Uu][Gg][Gg][Ii][Nn][Gg][Ff][Aa][Cc][Ee][.][Cc][Oo]|[Hh][Ff]:/)'
        '/([^/?#]+)/([^/?#]+)');
    if v_match is not null then
        name := llm_model_ids.trim_ws(v_match[2] || '/' || v_match[3]);
        if llm_model_ids.is_readable(name) then
            rule := '2:hub_id';
            return;
        end if;
    end if;

    v_segments := pg_catalog.regexp_split_to_array(p_location, '[/\\]');

    -- Rule 2: a Hugging Face cache folder models--{org}--{name}, innermost first.
    for i in reverse pg_catalog.array_length(v_segments, 1) .. 1 loop
        if pg_catalog.starts_with(v_segments[i], 'models--') then
            name := llm_model_ids.trim_ws(
                pg_catalog.replace(pg_catalog.substr(v_segments[i], 9), '--', '/'));
            if llm_model_ids.is_readable(name) then
                rule := '2:hub_id';
                return;
            end if;
        end if;
    end loop;

    -- Rule 3: from the last segment backwards, skip weights files' extensions, training-step and
    -- artifact folders; the first other segment is the candidate, and nothing above it is used.
    name := null;
    for i in reverse pg_catalog.array_length(v_segments, 1) .. 1 loop
        v_segment := llm_model_ids.trim_ws(pg_catalog.regexp_replace(
            llm_model_ids.trim_ws(v_segments[i]),
            '[.]([Gg][Gg][Uu][Ff]|[Ss][Aa][Ff][Ee][Tt][Ee][Nn][Ss][Oo][Rr][Ss]|[Bb][Ii][Nn]'
            '|[Pp][Tt][Hh]?|[Oo][Nn][Nn][Xx])$', ''));
        continue when v_segment = '';
        -- The root of the path (".", "..", "~", a drive "C:" or a scheme "s3:"): no name.
        exit when v_segment in ('.', '..', '~')
               or v_segment operator(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:$';
        v_lower := pg_catalog.lower(v_segment collate "C");
        continue when v_lower operator(pg_catalog.~)
                          '^(checkpoint[-_]|ckpt[-_]|global_step_?|step[-_]|epoch[-_])[0-9]+$'
                   or v_lower in ('merged', 'merged_model', 'merged-model', 'final', 'final_model',
                                  'final-model', 'best', 'best_model', 'latest', 'last', 'adapter',
                                  'adapters', 'adapter_model', 'lora', 'lora_model', 'snapshots')
                   or v_lower operator(pg_catalog.~) '^([0-9a-f]{40}|[0-9a-f]{64})$';
        if v_lower not in ('models', 'model', 'outputs', 'output', 'out', 'logs', 'runs',
                           'checkpoints', 'saves', 'tmp', 'data', 'home', 'root', 'users',
                           'desktop', 'training', 'trainer_output')
           and llm_model_ids.is_readable(v_segment) then
            name := v_segment;
            rule := '3:path_name';
        end if;
        return;
    end loop;
end
$$;

-- Why: the rules in one place, callable from SQL (explain, audit, golden tests) and the trigger.
-- kind is 'location' or 'opaque' when the row is to be rewritten, null when it is left as written.
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
    v_trimmed text := llm_model_ids.trim_ws(p_model_id);
    v_base text := llm_model_ids.trim_ws(p_base_model);
    v_name text := llm_model_ids.trim_ws(p_name);
    v_derived record;
begin
    model_id := p_model_id;
    if p_model_id is null then
        rule := 'keep:null';
        return;
    elsif llm_model_ids.is_location(v_trimmed) then
        kind := 'location';
    elsif not llm_model_ids.is_opaque(v_trimmed) then
        rule := 'keep:readable';
        return;
    elsif coalesce(pg_catalog.lower(llm_model_ids.trim_ws(p_provider) collate "C")
                   operator(pg_catalog.=) any (llm_model_ids.self_hosted_providers()), false) then
        kind := 'opaque';
    else
        rule := 'keep:hosted_opaque';
        return;
    end if;

    -- Rule 1: the base model, or the name derived from it when it is itself a location.
    if llm_model_ids.is_readable(v_base)
       and pg_catalog.lower(v_base collate "C") not in ('unknown', 'none', 'null') then
        model_id := v_base;
        rule := '1:base_model';
        return;
    elsif v_base is not null and llm_model_ids.is_location(v_base) then
        v_derived := llm_model_ids.name_from_location(v_base);
        if v_derived.name is not null then
            model_id := v_derived.name;
            rule := '1:base_model_location';
            return;
        end if;
    end if;

    -- Rules 2-3: only a location has a path to read.
    if kind = 'location' then
        v_derived := llm_model_ids.name_from_location(v_trimmed);
        if v_derived.name is not null then
            model_id := v_derived.name;
            rule := v_derived.rule;
            return;
        end if;
    end if;

    -- Rule 4: the row's own display name.
    if llm_model_ids.is_readable(v_name) then
        model_id := v_name;
        rule := '4:name';
        return;
    end if;

    -- Rule 5 for locations; an opaque id with nothing readable is left as written.
    if kind = 'location' then
        model_id := 'local-model';
        rule := '5:local_model';
    else
        kind := null;
        rule := 'keep:opaque_no_name';
    end if;
end
$$;

-- Why: one clear error for metadata the trigger cannot add a key to (nothing is written).
create or replace function llm_model_ids.metadata_object(p_metadata jsonb)
returns jsonb
language plpgsql
immutable
security invoker
set search_path = ''
as $$
begin
    if p_metadata is null or pg_catalog.jsonb_typeof(p_metadata) = 'null' then
        return '{}'::jsonb;
    elsif pg_catalog.jsonb_typeof(p_metadata) <> 'object' then
        raise exception 'llm_models.metadata must be a JSON object, not a JSON %',
                        pg_catalog.jsonb_typeof(p_metadata)
            using errcode = '22023',
                  hint = 'Write metadata as an object (e.g. {"value": ...}) or NULL: the '
                         'llm-model-ids trigger keeps the original model_id in it. To write the '
                         'row unchanged, SET llm_model_ids.bypass = on.';
    end if;
    return p_metadata;
end
$$;

-- Why: the trigger body. Keeps the load path on metadata-only updates, then rewrites an
-- unreadable model_id and records the original. SET llm_model_ids.bypass = on skips it all.
create or replace function llm_model_ids.normalize_row()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
    v_result record;
    v_metadata jsonb;
    v_original jsonb;
begin
    if pg_catalog.lower(coalesce(pg_catalog.current_setting('llm_model_ids.bypass', true), ''))
       in ('on', 'true', 'yes', '1') then
        return new;
    end if;

    -- An update that keeps model_id but writes metadata without the two keys keeps their old values.
    if tg_op = 'UPDATE'
       and new.model_id is not distinct from old.model_id
       and new.metadata is distinct from old.metadata
       and pg_catalog.jsonb_typeof(old.metadata) = 'object'
       and old.metadata operator(pg_catalog.?|) array['model_path', 'original_model_id'] then
        new.metadata := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                            'model_path', old.metadata -> 'model_path',
                            'original_model_id', old.metadata -> 'original_model_id'))
                        operator(pg_catalog.||) llm_model_ids.metadata_object(new.metadata);
    end if;

    v_result := llm_model_ids.normalize(new.model_id, new.base_model, new.name, new.provider);
    if v_result.kind is null then
        return new;
    end if;

    v_metadata := llm_model_ids.metadata_object(new.metadata);
    if v_result.kind = 'location' then
        v_original := pg_catalog.to_jsonb(llm_model_ids.trim_ws(new.model_id));
        if v_metadata operator(pg_catalog.?) 'model_path'
           and v_metadata -> 'model_path' is distinct from v_original then
            v_metadata := v_metadata operator(pg_catalog.||)
                          pg_catalog.jsonb_build_object('previous_model_path', v_metadata -> 'model_path');
        end if;
        v_metadata := v_metadata operator(pg_catalog.||)
                      pg_catalog.jsonb_build_object('model_path', v_original);
    else
        v_metadata := v_metadata operator(pg_catalog.||)
                      pg_catalog.jsonb_build_object('original_model_id', new.model_id);
    end if;
    new.metadata := v_metadata;
    new.model_id := v_result.model_id;
    return new;
end
$$;

-- The guard below is the cheap pre-filter: it is true exactly when the trimmed model_id is a
-- location or opaque (tests check it against is_location/is_opaque), so readable rows never
-- call PL/pgSQL. Whitespace class = trim_ws's.
create or replace trigger llm_model_ids_normalize_insert
    before insert on public.llm_models
    for each row
    when (new.model_id operator(pg_catalog.~) ('^[ \t\n\r\f\v]*'
        '(/|~(/|[ \t\n\r\f\v]*$)|[.][.]?/|[A-Za-z]:[\\/]|\\\\'
        '|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]'
        '|[Hh][Tt][Tt][Pp][Ss]?)://'
        '|((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?'
        '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
        '|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9]+)[ \t\n\r\f\v]*$)'))
    execute function llm_model_ids.normalize_row();

create or replace trigger llm_model_ids_normalize_update
    before update of model_id, metadata on public.llm_models
    for each row
    when (new.model_id operator(pg_catalog.~) ('^[ \t\n\r\f\v]*'
        '(/|~(/|[ \t\n\r\f\v]*$)|[.][.]?/|[A-Za-z]:[\\/]|\\\\'
        '|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]'
        '|[Hh][Tt][Tt][Pp][Ss]?)://'
        '|((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?'
        '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
        '|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9]+)[ \t\n\r\f\v]*$)')
        or (new.metadata is distinct from old.metadata
            and pg_catalog.jsonb_typeof(old.metadata) = 'object'
            and old.metadata operator(pg_catalog.?|) array['model_path', 'original_model_id']))
    execute function llm_model_ids.normalize_row();

-- Privileges: the trigger runs as the writing role (SECURITY INVOKER), so the API roles that
-- write llm_models need USAGE on the schema and EXECUTE on what the trigger calls; nothing else.
revoke all on schema llm_model_ids from public;
revoke all on all functions in schema llm_model_ids from public;
do $grants$
declare
    v_role text;
begin
    foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
        continue when not exists (select 1 from pg_catalog.pg_roles where rolname = v_role);
        execute pg_catalog.format('revoke all on schema llm_model_ids from %I', v_role);
        execute pg_catalog.format('revoke all on all functions in schema llm_model_ids from %I', v_role);
        continue when v_role = 'anon';
        execute pg_catalog.format('grant usage on schema llm_model_ids to %I', v_role);
        execute pg_catalog.format(
            'grant execute on function llm_model_ids.normalize_row(), llm_model_ids.normalize(text, text, text, text), '
            'llm_model_ids.metadata_object(jsonb), llm_model_ids.name_from_location(text), '
            'llm_model_ids.is_readable(text), llm_model_ids.is_opaque(text), '
            'llm_model_ids.is_location(text), llm_model_ids.trim_ws(text), '
            'llm_model_ids.self_hosted_providers() to %I', v_role);
    end loop;
end
$grants$;
