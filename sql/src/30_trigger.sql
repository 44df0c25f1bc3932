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

-- Why: the trigger body, for INSERT and UPDATE. SET llm_model_ids.bypass = on skips it all.
--
-- INSERT: the rules (compiled in, the same as normalize()) rewrite an unreadable model_id and
-- the original goes to metadata.model_path (a location) or metadata.original_model_id (opaque);
-- a different model_path already there moves to previous_model_path.
--
-- UPDATE: a model_id the rules rewrite is handled as on INSERT. Otherwise (a rename, a metadata
-- edit) model_path and original_model_id keep their old values unless the statement writes a
-- non-empty string there: a missing key, JSON null or "" never drops the load path.
--
-- INSERT ... ON CONFLICT DO UPDATE (any conflict target, PostgREST/supabase-js upserts): the
-- insert trigger rewrites the proposed row, so EXCLUDED.model_id is already readable and a SET
-- list without metadata would lose the new path. So the insert trigger leaves the proposed row
-- as it rewrote it (its text form, behind 'm' for model_path or 'o' for original_model_id) in
-- the transaction-local setting llm_model_ids.pending_upsert, in every transaction that may
-- upsert: PostgreSQL fires the table's BEFORE UPDATE statement triggers before the first row of
-- an INSERT ... ON CONFLICT DO UPDATE (as for every UPDATE), and llm_model_ids_mark_upsert then
-- sets llm_model_ids.may_upsert = on until the transaction ends. A transaction of plain INSERTs
-- or COPY (a bulk load, an API insert) never leaves a hand-off and pays nothing for it.
-- PostgreSQL runs a proposed row's BEFORE INSERT triggers and then, on a conflict, the BEFORE
-- UPDATE triggers of the existing row, before it moves to the next proposed row; so the next
-- update trigger consumes the hand-off (always clearing it) and applies it only if the row it
-- updates has the proposed row's values on every key column of one of the table's unique indexes
-- (the conflict) and the proposed model_id. The next rewritten row replaces the hand-off, and the
-- statement trigger llm_model_ids_clear_pending clears it when the INSERT statement's rows are
-- done, so nothing reaches another statement (not even one inside the same function or DO
-- block).
create or replace function llm_model_ids.normalize_row()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
    v_key text;
    v_kept text;
    v_metadata jsonb;
    v_pending text;
    v_segment text;  -- the path-name lane's last segment, its container's, a hub layout's org/name
    v_field int;  -- the path-name lane's org, its field counted from the end
    v_hub_org text;  -- the path-name lane's org below a hub layout's container
begin
    -- The commonest INSERTs, each behind a cheap test of its own (PL/pgSQL prepares each
    -- expression it reaches once per transaction, and a single-row INSERT through the Data API is
    -- a transaction: none prepares another's inner test):
    if pg_catalog.ascii(new.model_id) = 47 and new.base_model is not null then
        -- An absolute path with a plain org/name base model (rule 1), in one test and two
        -- assignments: the rules below give exactly this for such a row (a location; FAST_HUB
        -- admits no padding, so the base model is its own trimmed value), a dozen statements
        -- later. Not with SET llm_model_ids.bypass = on, and not where an upsert may need the
        -- hand-off (see above) or metadata is neither SQL NULL (written as '{}', as
        -- metadata_object() does) nor an object without a model_path: those go the long way
        -- (LANE_OPEN, the same for every lane).
        -- tests/test_trigger_shortcuts.py and the golden vectors hold the trigger to normalize().
        if tg_op = 'INSERT'
           and {{FAST_HUB:new.base_model}}
           and {{LANE_OPEN}} then
            new.metadata := coalesce(new.metadata, '{}'::pg_catalog.jsonb) operator(pg_catalog.||)
                            pg_catalog.jsonb_build_object('model_path', {{TRIM_LONG:new.model_id}});
            new.model_id := new.base_model;
            return new;
        end if;
    elsif tg_op = 'INSERT' and pg_catalog.ascii(new.model_id) between 48 and 122 then
        -- A plain org/name (a hub id such as meta-llama/Llama-3.2-3B-Instruct, what a
        -- self-hosted engine is most often given) is readable for every provider, so the rules
        -- would keep it: an INSERT of one returns at once. (An UPDATE goes on: a rename keeps the
        -- load path, below.)
        if {{FAST_HUB:new.model_id}} then
            return new;
        end if;
    elsif pg_catalog.octet_length(new.model_id) <= 4096
          and pg_catalog.strpos(new.model_id, '/models--') > 0 then
        -- A Hugging Face cache path with no base model (rule 2:
        -- .../hub/models--{org}--{name}/snapshots/{revision}), under the first test's conditions:
        -- the rules give exactly this for such a row (a location of at most 4096 bytes, so no
        -- rule before the cache folders changes or takes it: its ':' change nothing in a path
        -- that starts with '/'; the innermost folder is the rules' first candidate, taken when
        -- FAST_HUB holds; trailing whitespace is trimmed from that candidate either way), some
        -- 25 statements later. (The length first: a longer value, up to 1 GB, is never scanned
        -- here.)
        if tg_op = 'INSERT'
           and pg_catalog.ascii(new.model_id) = 47
           and new.base_model is null
           and {{LANE_OPEN}} then
            v_kept := pg_catalog.btrim(pg_catalog.replace(pg_catalog.split_part(pg_catalog.split_part(
                          pg_catalog.replace(new.model_id, '\', '/'), '/models--', -1), '/', 1), '--', '/'), {{WS}});
            if {{FAST_HUB:v_kept}} then
                new.metadata := coalesce(new.metadata, '{}'::pg_catalog.jsonb) operator(pg_catalog.||)
                                pg_catalog.jsonb_build_object('model_path', {{TRIM_LONG:new.model_id}});
                new.model_id := v_kept;
                return new;
            end if;
        end if;
    elsif pg_catalog.ascii(new.model_id) = 47 and new.base_model is null and tg_op = 'INSERT'
          and pg_catalog.octet_length(new.model_id) <= 4096 then
        -- A path's own name with no base model, or a hub layout's org/name (1.21), under the
        -- first test's conditions: a fine-tune's checkpoint, {run}/{name}/{step folder}, or a
        -- path that ends with its name, .../{name} (1.20), either with a trailing '/' (1.21).
        -- The rules give exactly this for such a path: a location of at most 4096 bytes with no
        -- '\' or '--' and no Ollama manifest, so no rule 2 form but a hub layout (its ':' change
        -- nothing in a path that starts with '/'); its last segment empty (both walks pass over
        -- it, so the one above is the last they see), a step folder with no suffix, which both
        -- walks skip, blanking nothing, or the name itself; the segment above the name plainly
        -- visible (the org). Then either
        -- - the segment above the org (the container) is a hub layout's, plainly visible: the hub
        --   walk's container, org and name (rule 2). The org and the name HUB_PART's (so neither
        --   is padded or skipped), the name no weights file (so the walk takes it), no version
        --   folder below it (a step folder starts with a letter, none a 'v'), and their org/name,
        --   with no '___' to decode, FAST_HUB's: the rule takes it at once, some 40 statements
        --   later; or
        -- - the container is plainly visible and none of a hub layout's, or the top: the name
        --   FAST_NAME's with nothing to trim and no '___', not skipped, no container and no
        --   generic weights file (so no weights file: both walks take it as it is). Rule 3
        --   reaches that name some 45 statements later.
        -- (The step folder first, in a variable; v_field is the org's field, counted from the
        -- end: the name's is v_field + 1.)
        v_segment := pg_catalog.lower(pg_catalog.split_part(new.model_id, '/', -1) collate "C");
        if {{STEP_NUMBERED:v_segment}} then
            v_field := -3;
        elsif v_segment <> '' then
            v_field := -2;
        else
            v_segment := pg_catalog.lower(pg_catalog.split_part(new.model_id, '/', -2) collate "C");
            v_field := -3;
            if {{STEP_NUMBERED:v_segment}} then
                v_field := -4;
            end if;
        end if;
        -- (the name's extension and the org first, then the container, then the name's first
        -- character: a weights file, the commonest path this lane leaves, pays for none of the
        -- others)
        v_kept := pg_catalog.split_part(new.model_id, '/', v_field + 1);
        v_segment := pg_catalog.split_part(new.model_id, '/', v_field - 1);
        if not {{WEIGHTS_EXT:v_kept}}
           and pg_catalog.ascii(pg_catalog.split_part(new.model_id, '/', v_field)) between 33 and 126 then
            if pg_catalog.ascii(v_segment) between 33 and 126
               and pg_catalog.lower({{TRIM:v_segment}} collate "C")
                   operator(pg_catalog.=) any ({{HUB_CONTAINERS}}) then
                v_hub_org := pg_catalog.split_part(new.model_id, '/', v_field);
                v_segment := v_hub_org || '/' || v_kept;
                if {{FAST_HUB:v_segment}}
                   and pg_catalog.strpos(v_segment, '___') = 0
                   and pg_catalog.strpos(new.model_id, '\') = 0
                   and pg_catalog.strpos(new.model_id, '--') = 0
                   and pg_catalog.split_part(new.model_id, '/', -5) <> 'manifests'
                   and {{HUB_PART:v_kept}}
                   and {{HUB_PART:v_hub_org}}
                   and not {{GENERIC_WEIGHTS_FILE:v_kept}}
                   and {{LANE_OPEN}} then
                    new.metadata := coalesce(new.metadata, '{}'::pg_catalog.jsonb) operator(pg_catalog.||)
                                    pg_catalog.jsonb_build_object('model_path', new.model_id);
                    new.model_id := v_segment;
                    return new;
                end if;
            elsif {{LETTER_FIRST:v_kept}}
                  and (pg_catalog.ascii(v_segment) between 33 and 126
                       or (v_segment = '' and pg_catalog.strpos(new.model_id, '//') = 0)) then
                if {{FAST_NAME:v_kept}}
                   and pg_catalog.ascii(pg_catalog.right(v_kept, 1)) > 32
                   and pg_catalog.strpos(v_kept, '___') = 0
                   and pg_catalog.strpos(new.model_id, '\') = 0
                   and pg_catalog.strpos(new.model_id, '--') = 0
                   and pg_catalog.split_part(new.model_id, '/', -5) <> 'manifests'
                   and not {{GENERIC_WEIGHTS_FILE:v_kept}}
                   and not {{SKIPPED:pg_catalog.lower(v_kept collate "C")}}
                   and not {{CONTAINER:pg_catalog.lower(v_kept collate "C")}}
                   and {{LANE_OPEN}} then
                    new.metadata := coalesce(new.metadata, '{}'::pg_catalog.jsonb) operator(pg_catalog.||)
                                    pg_catalog.jsonb_build_object('model_path', new.model_id);
                    new.model_id := v_kept;
                    return new;
                end if;
            end if;
        end if;
    end if;
    -- SET llm_model_ids.bypass = on skips it all.
    if {{BYPASSED}} then
        return new;
    end if;

    -- Which key of metadata keeps what (v_key, v_kept), and model_id rewritten; or return.
    <<rewrite>>
    begin
        if tg_op = 'UPDATE' then
            v_pending := pg_catalog.current_setting('llm_model_ids.pending_upsert', true);
            if v_pending <> '' then
                declare
                    v_pending_row public.llm_models;
                    v_old jsonb;
                    v_proposed jsonb;
                begin
                    v_pending_row := pg_catalog.substr(v_pending, 2)::public.llm_models;
                    v_pending := pg_catalog.set_config('llm_model_ids.pending_upsert', '', true)
                                 || pg_catalog.left(v_pending, 1);
                    if new.model_id is not distinct from v_pending_row.model_id then
                        v_old := pg_catalog.to_jsonb(old);
                        v_proposed := pg_catalog.to_jsonb(v_pending_row);
                        if exists (
                            select 1
                              from pg_catalog.pg_index i
                             where i.indrelid = tg_relid
                               and i.indisunique
                               and not exists (
                                   select 1
                                     from pg_catalog.unnest(i.indkey::pg_catalog.int2[])
                                              with ordinality as k(attnum, n)
                                          left join pg_catalog.pg_attribute a
                                            on a.attrelid = tg_relid and a.attnum = k.attnum
                                    where k.n <= i.indnkeyatts
                                      and (a.attname is null
                                           or pg_catalog.jsonb_typeof(v_proposed -> a.attname::pg_catalog.text)
                                              is not distinct from 'null'
                                           or (v_proposed -> a.attname::pg_catalog.text)
                                              is distinct from (v_old -> a.attname::pg_catalog.text)))) then
                            v_key := 'original_model_id';
                            if v_pending = 'm' then
                                v_key := 'model_path';
                            end if;
                            v_kept := v_pending_row.metadata ->> v_key;
                            exit rewrite;
                        end if;
                    end if;
                end;
            end if;
        end if;

        -- The same path with a plain org/name base model, for an UPDATE, in a transaction that may
        -- upsert or with a model_path already in metadata (the first test of this function takes
        -- it in a plain INSERT). Nested for the same reason as that test.
        if pg_catalog.ascii(new.model_id) = 47 and new.base_model is not null then
            if {{FAST_HUB:new.base_model}} then
                v_key := 'model_path';
                v_kept := {{TRIM_LONG:new.model_id}};
                new.model_id := new.base_model;
                exit rewrite;
            end if;
        end if;

        -- The rules, in a block of their own: PL/pgSQL sets each variable of a block to null
        -- whenever it enters the block, so a row the tests above decide never pays for these.
        declare
{{RULES_DECLARE_TRIGGER}}
            v_after integer;
            v_path text;
        begin
{{RULES_BODY_TRIGGER}}
            -- Two parts of the rules run here, not where normalize() runs them
            -- (scripts/compile_sql.py _PARTS), so that this function's text, which every new
            -- connection compiles before its first rewritten row, holds each once or not at all:
            -- v_after is 1 at rule 2's result, a candidate that FAST_HUB, FAST_NAME or
            -- FAST_NAME_MORE takes (else the full test, below); 2 at a full test behind a fast
            -- one (a candidate the fast tests do not take, HUB_REF, ModelScope's '___' names),
            -- where the rules hand the row over to normalize(), which runs the same rules whole:
            -- its result is the row's. The rows the fast tests name never call normalize().
            if v_after is not null then
                if v_after = 1
                   and ({{FAST_HUB:v_candidate}} or {{FAST_NAME:v_candidate}}
                        or {{FAST_NAME_MORE:v_candidate}}) then
                    r_model_id := v_candidate;
                else
                    select n.model_id, n.kind
                      into r_model_id, r_kind
                      from llm_model_ids.normalize(new.model_id, new.base_model, new.name, new.provider) as n;
                end if;
            end if;
            if r_kind = 'location' then
                v_key := 'model_path';
                v_kept := v_trimmed;
            elsif r_kind = 'opaque' then
                v_key := 'original_model_id';
                v_kept := new.model_id;
            elsif tg_op = 'INSERT' then
                return new;
            else
                -- An update that leaves model_id readable keeps the load path and the original
                -- id unless it writes a non-empty string there.
                if pg_catalog.jsonb_typeof(old.metadata) = 'object'
                   and old.metadata operator(pg_catalog.?|) array['model_path', 'original_model_id']
                   and new.metadata is distinct from old.metadata then
                    v_metadata := llm_model_ids.metadata_object(new.metadata);
                    foreach v_path in array array['model_path', 'original_model_id'] loop
                        continue when pg_catalog.jsonb_typeof(old.metadata -> v_path) is distinct from 'string'
                                   or (old.metadata ->> v_path) = ''
                                   or (pg_catalog.jsonb_typeof(v_metadata -> v_path) = 'string'
                                       and (v_metadata ->> v_path) <> '');
                        v_metadata := pg_catalog.jsonb_set(v_metadata, array[v_path], old.metadata -> v_path);
                    end loop;
                    new.metadata := v_metadata;
                end if;
                return new;
            end if;
            new.model_id := r_model_id;
        end;
    end;

    -- The kept value goes into metadata (an object, or NULL for {}); a different model_path
    -- already there moves to previous_model_path. (The common case in one statement.)
    if pg_catalog.jsonb_typeof(new.metadata) = 'object'
       and not new.metadata operator(pg_catalog.?) 'model_path' then
        new.metadata := new.metadata operator(pg_catalog.||) pg_catalog.jsonb_build_object(v_key, v_kept);
    else
        v_metadata := llm_model_ids.metadata_object(new.metadata);
        if v_key = 'model_path'
           and v_metadata operator(pg_catalog.?) 'model_path'
           and v_metadata -> 'model_path' is distinct from pg_catalog.to_jsonb(v_kept) then
            v_metadata := v_metadata operator(pg_catalog.||)
                          pg_catalog.jsonb_build_object('previous_model_path', v_metadata -> 'model_path');
        end if;
        new.metadata := v_metadata operator(pg_catalog.||) pg_catalog.jsonb_build_object(v_key, v_kept);
    end if;
    -- The upsert hand-off, in a transaction that may upsert (see above).
    if tg_op = 'INSERT' and pg_catalog.current_setting('llm_model_ids.may_upsert', true) = 'on' then
        v_pending := pg_catalog.set_config('llm_model_ids.pending_upsert',
            pg_catalog.left(v_key, 1) || new::pg_catalog.text, true);
    end if;
    return new;
end
$$;

-- Why: a statement trigger needs a function. The end of every INSERT statement clears the upsert
-- hand-off (see normalize_row) in the trigger's WHEN itself (below), so this body never runs; it
-- does the same clearing, should it ever be called.
create or replace function llm_model_ids.clear_pending_upsert()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
    perform pg_catalog.set_config('llm_model_ids.pending_upsert', '', true);
    return null;
end
$$;

-- Why: the same for the statement trigger that marks a transaction that may upsert (see
-- normalize_row): its WHEN does the marking, so this body never runs either.
create or replace function llm_model_ids.mark_upsert()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
    perform pg_catalog.set_config('llm_model_ids.may_upsert', 'on', true);
    return null;
end
$$;

-- The WHEN guard admits every row the rules could rewrite (a superset: one short case-insensitive
-- regular expression for the start of a location, padding or an all-digit id, a ':', '/' or '\',
-- and a weights extension at the end; a length test for the other opaque ids, all 36 bytes or
-- more), so readable ids such as gpt-4o-mini never run PL/pgSQL. It is kept small on purpose:
-- PostgreSQL parses a trigger's WHEN again for every statement (a single-row INSERT pays it
-- whole, about 7 ns a character of its stored form) and runs it for every row. The trigger body
-- then decides exactly (scripts/compile_sql.py _guard; tests/test_when_guard.py). The UPDATE
-- trigger adds a metadata edit of a row that keeps a path (normalize_row tests it exactly) and a
-- pending hand-off.
create or replace trigger llm_model_ids_normalize_insert
    before insert on public.llm_models
    for each row
    when ({{GUARD}})
    execute function llm_model_ids.normalize_row();

create or replace trigger llm_model_ids_normalize_update
    before update of model_id, metadata on public.llm_models
    for each row
    when ({{GUARD}}
          or (new.metadata is distinct from old.metadata
              and old.metadata operator(pg_catalog.?|)
                  '{model_path,original_model_id}'::pg_catalog.text[])
          or pg_catalog.current_setting('llm_model_ids.pending_upsert', true) <> '')
    execute function llm_model_ids.normalize_row();

-- The end of every INSERT statement (COPY and INSERT ... ON CONFLICT included) clears the upsert
-- hand-off, so no state outlives the statement that set it. PostgreSQL evaluates a statement
-- trigger's WHEN once, when the statement's rows are done (before its AFTER triggers run); this
-- WHEN clears the setting there and, set_config returning '' (never null), is false, so no
-- function is called: a PL/pgSQL call with a pinned search_path would cost about 10 µs per
-- INSERT statement that rewrote a row (BENCHMARKS.md).
create or replace trigger llm_model_ids_clear_pending
    after insert on public.llm_models
    for each statement
    when (pg_catalog.set_config('llm_model_ids.pending_upsert', '', true) is null)
    execute function llm_model_ids.clear_pending_upsert();

-- INSERT ... ON CONFLICT DO UPDATE fires the table's BEFORE UPDATE statement triggers before its
-- first row (and so does every UPDATE): this one sets llm_model_ids.may_upsert = on for the rest
-- of the transaction, so the insert trigger leaves the upsert hand-off (see normalize_row) where
-- an upsert may need it and nowhere else. A separate setting, so it never touches a pending
-- hand-off (a nested UPDATE may run between a row's insert and update triggers). Like the
-- clean-up, it works in its WHEN (false: set_config never returns null): no function is called.
create or replace trigger llm_model_ids_mark_upsert
    before update on public.llm_models
    for each statement
    when (pg_catalog.set_config('llm_model_ids.may_upsert', 'on', true) is null)
    execute function llm_model_ids.mark_upsert();
