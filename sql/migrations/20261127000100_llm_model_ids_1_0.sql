-- llm-model-ids 1.0.0: keep public.llm_models.model_id readable, keep the load path in metadata.
--
-- A BEFORE INSERT / BEFORE UPDATE trigger on public.llm_models rewrites a model_id that is a
-- location (a filesystem path or URI) or, for self-hosted engines, an opaque id (UUID, digest,
-- digits) into a readable id, and keeps the original in metadata.model_path /
-- metadata.original_model_id. The rules are documented in README.md ("The rules").
--
-- Idempotent: safe to run again. Creates nothing in public but the two triggers; never creates
-- or alters a column of public.llm_models.
-- A migration waits at most 5 s for a lock (then fails, nothing applied) and runs at most 1 min.
set lock_timeout = '5s';
set statement_timeout = '1min';

-- Refuse to install where the table or one of the columns the trigger reads is missing.
do $check$
declare
    v_missing text;
begin
    if pg_catalog.to_regclass('public.llm_models') is null then
        raise exception 'llm-model-ids: table public.llm_models does not exist'
            using errcode = '42P01',
                  hint = 'Create the app''s table first (sql/reference/llm_models.sql is a reference DDL).';
    end if;
    select pg_catalog.string_agg(pg_catalog.format('%s %s', need.col, need.typ), ', '
                                 order by need.col)
      into v_missing
      from (values ('model_id', 'text'), ('base_model', 'text'), ('name', 'text'),
                   ('provider', 'text'), ('metadata', 'jsonb')) as need(col, typ)
     where not exists (
         select 1
           from pg_catalog.pg_attribute a
               join pg_catalog.pg_type t on t.oid = a.atttypid
          where a.attrelid = 'public.llm_models'::pg_catalog.regclass
            and a.attname = need.col
            and not a.attisdropped
            and t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
            and t.typname = need.typ);
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
as $$ select '1.0.0'::pg_catalog.text $$;

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
                 'lmstudio', 'aphrodite', 'local']::pg_catalog.text[]
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

-- Why: the rules in one function, called once per rewritten row by the trigger and directly by
-- explain, audit and the tests. Written as one PL/pgSQL body with inline patterns (no nested
-- calls) because it runs per row inside INSERT/COPY. The patterns are is_location's and
-- is_opaque's (tests hold all three, and the trigger's WHEN, to the same answers).
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
    c_ws constant text := e' \t\n\r\f\x0b';
    c_location constant text := '^(/|~(/|$)|[.][.]?/|[A-Za-z]:[\\/]|\\\\'
        '|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]'
        '|[Hh][Tt][Tt][Pp][Ss]?)://)';
    -- opaque = only digits, or (36, 40 or 64 characters long) a UUID, job_/run_ UUID or digest;
    -- the length test first because bounded repetitions are slow in PostgreSQL's regex engine.
    c_digits constant text := '^[0-9]+$';
    c_uuid_or_digest constant text := '^((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?'
        '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
        '|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$';
    v_trimmed text;
    v_base text;
    v_value text;
    v_candidate text;
    v_name text;
    v_lower text;
    v_match text[];
    v_segments text[];
    v_pass integer := 0;
begin
    model_id := p_model_id;
    if p_model_id is null then
        rule := 'keep:null';
        return;
    end if;
    v_trimmed := pg_catalog.btrim(p_model_id, c_ws);
    if v_trimmed operator(pg_catalog.~) c_location then
        kind := 'location';
    elsif not (v_trimmed operator(pg_catalog.~) c_digits
               or (pg_catalog.length(v_trimmed) in (36, 40, 64)
                   and v_trimmed operator(pg_catalog.~) c_uuid_or_digest)) then
        rule := 'keep:readable';
        return;
    elsif coalesce(pg_catalog.lower(pg_catalog.btrim(p_provider, c_ws) collate "C")
                   operator(pg_catalog.=) any (llm_model_ids.self_hosted_providers()), false) then
        kind := 'opaque';
    else
        rule := 'keep:hosted_opaque';
        return;
    end if;

    -- Rule 1: the base model, if readable and usable.
    v_base := pg_catalog.btrim(p_base_model, c_ws);
    if v_base <> ''
       and v_base operator(pg_catalog.!~) c_location
       and not (v_base operator(pg_catalog.~) c_digits
                or (pg_catalog.length(v_base) in (36, 40, 64)
                    and v_base operator(pg_catalog.~) c_uuid_or_digest))
       and pg_catalog.lower(v_base collate "C") not in ('unknown', 'none', 'null') then
        model_id := v_base;
        rule := '1:base_model';
        return;
    end if;

    -- Rules 2-3, first on a base model that is itself a location (rule 1), then on model_id.
    foreach v_value in array array[
        case when v_base operator(pg_catalog.~) c_location then v_base end,
        case when kind = 'location' then v_trimmed end
    ] loop
        v_pass := v_pass + 1;
        continue when v_value is null;

        -- Rule 2: https://huggingface.co/{org}/{name}/..., hf://{org}/{name}/...
        v_match := pg_catalog.regexp_match(v_value,
            '^([Hh][Tt][Tt][Pp][Ss]://[Hh][Uu][Gg][Gg][Ii][Nn][Gg][Ff][Aa][Cc][Ee][.][Cc][Oo]'
            '|[Hh][Ff]:/)/([^/?#]+)/([^/?#]+)');
        if v_match is not null then
            v_candidate := pg_catalog.btrim(v_match[2] || '/' || v_match[3], c_ws);
            if v_candidate <> ''
               and v_candidate operator(pg_catalog.!~) c_location
               and not (v_candidate operator(pg_catalog.~) c_digits
                        or (pg_catalog.length(v_candidate) in (36, 40, 64)
                            and v_candidate operator(pg_catalog.~) c_uuid_or_digest)) then
                model_id := v_candidate;
                rule := case when v_pass = 1 then '1:base_model_location' else '2:hub_id' end;
                return;
            end if;
        end if;

        v_segments := pg_catalog.string_to_array(pg_catalog.replace(v_value, '\', '/'), '/');

        -- Rule 2: a Hugging Face cache folder models--{org}--{name}, innermost first.
        if pg_catalog.strpos(v_value, 'models--') > 0 then
            for i in reverse pg_catalog.array_length(v_segments, 1) .. 1 loop
                continue when not pg_catalog.starts_with(v_segments[i], 'models--');
                v_candidate := pg_catalog.btrim(
                    pg_catalog.replace(pg_catalog.substr(v_segments[i], 9), '--', '/'), c_ws);
                if v_candidate <> ''
                   and v_candidate operator(pg_catalog.!~) c_location
                   and not (v_candidate operator(pg_catalog.~) c_digits
                            or (pg_catalog.length(v_candidate) in (36, 40, 64)
                                and v_candidate operator(pg_catalog.~) c_uuid_or_digest)) then
                    model_id := v_candidate;
                    rule := case when v_pass = 1 then '1:base_model_location' else '2:hub_id' end;
                    return;
                end if;
            end loop;
        end if;

        -- Rule 3: from the last segment backwards, strip a weights-file extension, skip
        -- training-step and artifact folders; the first other segment is the candidate, and
        -- nothing above it is used.
        v_name := null;
        for i in reverse pg_catalog.array_length(v_segments, 1) .. 1 loop
            v_candidate := pg_catalog.btrim(v_segments[i], c_ws);
            if pg_catalog.strpos(v_candidate, '.') > 0 then
                v_candidate := pg_catalog.btrim(pg_catalog.regexp_replace(v_candidate,
                    '[.]([Gg][Gg][Uu][Ff]|[Ss][Aa][Ff][Ee][Tt][Ee][Nn][Ss][Oo][Rr][Ss]|[Bb][Ii][Nn]'
                    '|[Pp][Tt][Hh]?|[Oo][Nn][Nn][Xx])$', ''), c_ws);
            end if;
            continue when v_candidate = '';
            -- The root of the path (".", "..", "~", a drive "C:" or a scheme "s3:"): no name.
            exit when v_candidate in ('.', '..', '~')
                   or v_candidate operator(pg_catalog.~) '^[A-Za-z][A-Za-z0-9+.-]*:$';
            v_lower := pg_catalog.lower(v_candidate collate "C");
            continue when v_lower operator(pg_catalog.~)
                              '^(checkpoint[-_]|ckpt[-_]|global_step_?|step[-_]|epoch[-_])[0-9]+$'
                       or v_lower in ('merged', 'merged_model', 'merged-model', 'final',
                                      'final_model', 'final-model', 'best', 'best_model', 'latest',
                                      'last', 'adapter', 'adapters', 'adapter_model', 'lora',
                                      'lora_model', 'snapshots')
                       or (pg_catalog.length(v_lower) in (40, 64)
                           and v_lower operator(pg_catalog.~) '^([0-9a-f]{40}|[0-9a-f]{64})$');
            if not (v_lower in ('models', 'model', 'outputs', 'output', 'out', 'logs', 'runs',
                           'checkpoints', 'saves', 'tmp', 'data', 'home', 'root', 'users',
                           'desktop', 'training', 'trainer_output')
               or v_candidate operator(pg_catalog.~) c_location
               or (v_candidate operator(pg_catalog.~) c_digits
                   or (pg_catalog.length(v_candidate) in (36, 40, 64)
                       and v_candidate operator(pg_catalog.~) c_uuid_or_digest))) then
                v_name := v_candidate;
            end if;
            exit;
        end loop;
        if v_name is not null then
            model_id := v_name;
            rule := case when v_pass = 1 then '1:base_model_location' else '3:path_name' end;
            return;
        end if;
    end loop;

    -- Rule 4: the row's own display name.
    v_value := pg_catalog.btrim(p_name, c_ws);
    if v_value <> ''
       and v_value operator(pg_catalog.!~) c_location
       and not (v_value operator(pg_catalog.~) c_digits
                or (pg_catalog.length(v_value) in (36, 40, 64)
                    and v_value operator(pg_catalog.~) c_uuid_or_digest)) then
        model_id := v_value;
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
        return '{}'::pg_catalog.jsonb;
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

-- Why: the trigger body. Keeps the load path on updates that keep model_id, then rewrites an
-- unreadable model_id and records the original. SET llm_model_ids.bypass = on skips it all.
-- INSERT ... ON CONFLICT DO UPDATE: the insert trigger rewrites the proposed row (EXCLUDED) and
-- leaves what it kept in llm_model_ids.pending_upsert (local to the transaction) for the update
-- of the same row in the same statement (same statement_timestamp, id and model_id), so a SET
-- list without metadata still gets the new load path.
create or replace function llm_model_ids.normalize_row()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
    v_result record;
    v_metadata jsonb;
    v_pending jsonb;
    v_key text;
    v_value jsonb;
begin
    if pg_catalog.lower(pg_catalog.current_setting('llm_model_ids.bypass', true))
       in ('on', 'true', 'yes', '1') then
        return new;
    end if;

    if tg_op = 'UPDATE' then
        v_pending := nullif(
            pg_catalog.current_setting('llm_model_ids.pending_upsert', true), '')::pg_catalog.jsonb;
        if v_pending is not null then
            perform pg_catalog.set_config('llm_model_ids.pending_upsert', '', true);
            if (v_pending ->> 0)::pg_catalog.timestamptz = pg_catalog.statement_timestamp()
               and v_pending -> 1 = pg_catalog.to_jsonb(new) -> 'id'
               and new.model_id is not distinct from v_pending ->> 2 then
                v_key := v_pending ->> 3;
                v_value := v_pending -> 4;
            end if;
        end if;

        -- An update that keeps model_id but writes metadata without the two keys keeps their
        -- old values.
        if v_key is null
           and new.model_id is not distinct from old.model_id
           and new.metadata is distinct from old.metadata
           and pg_catalog.jsonb_typeof(old.metadata) = 'object'
           and old.metadata operator(pg_catalog.?|) array['model_path', 'original_model_id'] then
            new.metadata := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                'model_path', old.metadata -> 'model_path',
                                'original_model_id', old.metadata -> 'original_model_id'))
                            operator(pg_catalog.||) llm_model_ids.metadata_object(new.metadata);
        end if;
    end if;

    if v_key is null then
        v_result := llm_model_ids.normalize(new.model_id, new.base_model, new.name, new.provider);
        if v_result.kind is null then
            return new;
        elsif v_result.kind = 'location' then
            v_key := 'model_path';
            v_value := pg_catalog.to_jsonb(pg_catalog.btrim(new.model_id, e' \t\n\r\f\x0b'));
        else
            v_key := 'original_model_id';
            v_value := pg_catalog.to_jsonb(new.model_id);
        end if;
        new.model_id := v_result.model_id;
        if tg_op = 'INSERT' then
            perform pg_catalog.set_config('llm_model_ids.pending_upsert',
                pg_catalog.jsonb_build_array(pg_catalog.statement_timestamp(),
                    pg_catalog.to_jsonb(new) -> 'id', new.model_id, v_key, v_value)::pg_catalog.text,
                true);
        end if;
    end if;

    v_metadata := new.metadata;
    if v_metadata is null or pg_catalog.jsonb_typeof(v_metadata) <> 'object' then
        v_metadata := llm_model_ids.metadata_object(v_metadata);
    end if;
    if v_key = 'model_path'
       and v_metadata operator(pg_catalog.?) 'model_path'
       and v_metadata -> 'model_path' is distinct from v_value then
        v_metadata := v_metadata operator(pg_catalog.||)
                      pg_catalog.jsonb_build_object('previous_model_path', v_metadata -> 'model_path');
    end if;
    new.metadata := v_metadata operator(pg_catalog.||) pg_catalog.jsonb_build_object(v_key, v_value);
    return new;
end
$$;

-- The guard below is the cheap pre-filter: it is true exactly when the trimmed model_id is a
-- location or opaque (tests check it against is_location/is_opaque), so readable rows never
-- call PL/pgSQL. Whitespace class = trim_ws's. Its first part (first or last character, a ':',
-- the lengths of a UUID, job_ UUID or digest) is a superset of the regex that costs a few
-- string functions, so most readable ids never reach the regex.
create or replace trigger llm_model_ids_normalize_insert
    before insert on public.llm_models
    for each row
    when ((pg_catalog.strpos(e'/~.\\ \t\n\r\f\x0b0123456789', pg_catalog.left(new.model_id, 1)) > 0
          or pg_catalog.strpos(new.model_id, ':') > 0
          or pg_catalog.octet_length(new.model_id) = any ('{36,40,64}'::pg_catalog.int4[])
          or pg_catalog.strpos(e' \t\n\r\f\x0b', pg_catalog.right(new.model_id, 1)) > 0)
         and new.model_id operator(pg_catalog.~) ('^[ \t\n\r\f\v]*'
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
    when ((pg_catalog.strpos(e'/~.\\ \t\n\r\f\x0b0123456789', pg_catalog.left(new.model_id, 1)) > 0
          or pg_catalog.strpos(new.model_id, ':') > 0
          or pg_catalog.octet_length(new.model_id) = any ('{36,40,64}'::pg_catalog.int4[])
          or pg_catalog.strpos(e' \t\n\r\f\x0b', pg_catalog.right(new.model_id, 1)) > 0)
         and new.model_id operator(pg_catalog.~) ('^[ \t\n\r\f\v]*'
        '(/|~(/|[ \t\n\r\f\v]*$)|[.][.]?/|[A-Za-z]:[\\/]|\\\\'
        '|([Ff][Ii][Ll][Ee]|[Ss]3|[Gg][Ss]|[Gg][Cc][Ss]|[Aa][Zz]|[Aa][Bb][Ff][Ss][Ss]?|[Hh][Ff]'
        '|[Hh][Tt][Tt][Pp][Ss]?)://'
        '|((([Jj][Oo][Bb]|[Rr][Uu][Nn])[-_])?'
        '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
        '|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9]+)[ \t\n\r\f\v]*$)')
        or (new.metadata is distinct from old.metadata
            and pg_catalog.jsonb_typeof(old.metadata) = 'object'
            and old.metadata operator(pg_catalog.?|) array['model_path', 'original_model_id'])
        or pg_catalog.current_setting('llm_model_ids.pending_upsert', true) <> '')
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
            'llm_model_ids.metadata_object(jsonb), '
            'llm_model_ids.is_readable(text), llm_model_ids.is_opaque(text), '
            'llm_model_ids.is_location(text), llm_model_ids.trim_ws(text), '
            'llm_model_ids.self_hosted_providers() to %I', v_role);
    end loop;
end
$grants$;
