-- Why: the launcher loads weights from metadata.model_path when the trigger kept one there,
-- else from model_id. A computed field for the Data API: select=id,name,load_path.
create or replace function public.load_path(p_row public.llm_models)
returns text
language sql
stable
security invoker
set search_path = ''
as $$
    select case
        when pg_catalog.jsonb_typeof(p_row.metadata -> 'model_path') = 'string'
             and (p_row.metadata ->> 'model_path') <> ''
            then p_row.metadata ->> 'model_path'
        else p_row.model_id
    end
$$;
comment on function public.load_path(public.llm_models) is
    'Where to load the weights from: metadata.model_path if set, else model_id (llm-model-ids).';

-- Why: the DBA's report, queryable from the SQL editor: every row the rules would still change
-- (problem location / opaque: rows written before an upgrade of the rules, with the trigger
-- disabled or bypassed, or by logical replication / pg_restore --disable-triggers) and every
-- rewritten row whose metadata.model_path is missing, null, empty or not a string.
create or replace view llm_model_ids.audit
with (security_invoker = true)
as
select t.id,
       t.provider,
       t.name,
       t.model_id,
       n.model_id as proposed_model_id,
       n.rule,
       coalesce(n.kind, 'lost_model_path') as problem
  from public.llm_models t
       cross join lateral llm_model_ids.normalize(t.model_id, t.base_model, t.name, t.provider) n
 where n.kind is not null
    or (pg_catalog.jsonb_typeof(t.metadata) = 'object'
        and not coalesce(pg_catalog.jsonb_typeof(t.metadata -> 'model_path') = 'string'
                         and (t.metadata ->> 'model_path') <> '', false)
        and (t.metadata operator(pg_catalog.?) 'model_path'
             or t.metadata operator(pg_catalog.?) 'previous_model_path'
             or exists (select 1
                          from llm_model_ids.backfill_journal j
                         where j.row_id = t.id
                           and j.restored_at is null
                           and j.new_metadata operator(pg_catalog.?) 'model_path')));
comment on view llm_model_ids.audit is
    'llm-model-ids: rows whose model_id the rules would change, and rewritten rows that lost metadata.model_path.';

-- Why: one batch of the backfill, in the caller's transaction: picks the next p_limit candidate
-- rows after p_after (by primary key), skips the ones another transaction holds (SKIP LOCKED),
-- rewrites the rest by touching model_id (so the trigger, the one source of the rules, does the
-- work) and journals each change. A row the trigger refuses is reported and the batch goes on.
create or replace function llm_model_ids.backfill_batch(p_after uuid, p_limit integer)
returns table (row_id uuid, old_model_id text, new_model_id text, outcome text)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_candidates uuid[];
    v_locked uuid[];
    v_row record;
begin
    if p_limit is null or p_limit < 1 then
        raise exception 'backfill batch size must be at least 1, not %', p_limit
            using errcode = '22023';
    end if;

    select pg_catalog.array_agg(c.id order by c.id)
      into v_candidates
      from (select t.id
              from public.llm_models t
             where (p_after is null or t.id > p_after)
               and llm_model_ids.is_candidate(t.model_id, t.provider)
             order by t.id
             limit p_limit) c;
    if v_candidates is null then
        return;
    end if;

    select pg_catalog.array_agg(t.id order by t.id)
      into v_locked
      from (select l.id
              from public.llm_models l
             where l.id operator(pg_catalog.=) any (v_candidates)
             order by l.id
               for update skip locked) t;

    drop table if exists pg_temp.llm_model_ids_batch;
    create temporary table pg_temp.llm_model_ids_batch (
        row_id uuid primary key, old_model_id text, old_metadata jsonb,
        new_model_id text, new_metadata jsonb, outcome text
    ) on commit drop;
    -- A no-op at run time; tells plpgsql_check the shape of the table created just above.
    perform 'PRAGMA:TABLE: pg_temp.llm_model_ids_batch (row_id uuid, old_model_id text, '
            'old_metadata jsonb, new_model_id text, new_metadata jsonb, outcome text)';
    insert into pg_temp.llm_model_ids_batch (row_id, old_model_id, old_metadata, outcome)
    select t.id, t.model_id, t.metadata, 'unchanged'
      from public.llm_models t
     where t.id operator(pg_catalog.=) any (coalesce(v_locked, '{}'));

    -- The whole batch at once; if one row is refused, again row by row to report it.
    begin
        with touched as (
            update public.llm_models t
               set model_id = t.model_id
             where t.id operator(pg_catalog.=) any (coalesce(v_locked, '{}'))
            returning t.id, t.model_id, t.metadata
        )
        update pg_temp.llm_model_ids_batch b
           set new_model_id = touched.model_id, new_metadata = touched.metadata
          from touched
         where b.row_id = touched.id;
    exception when others then
        for v_row in select b.row_id from pg_temp.llm_model_ids_batch b order by b.row_id loop
            begin
                with touched as (
                    update public.llm_models t
                       set model_id = t.model_id
                     where t.id = v_row.row_id
                    returning t.id, t.model_id, t.metadata
                )
                update pg_temp.llm_model_ids_batch b
                   set new_model_id = touched.model_id, new_metadata = touched.metadata
                  from touched
                 where b.row_id = touched.id;
            exception when others then
                update pg_temp.llm_model_ids_batch b
                   set outcome = 'error: ' || sqlerrm
                 where b.row_id = v_row.row_id;
            end;
        end loop;
    end;

    update pg_temp.llm_model_ids_batch b
       set outcome = 'rewritten'
     where b.outcome = 'unchanged'
       and (b.new_model_id is distinct from b.old_model_id
            or b.new_metadata is distinct from b.old_metadata);

    insert into llm_model_ids.backfill_journal
           (row_id, old_model_id, old_metadata, new_model_id, new_metadata)
    select b.row_id, b.old_model_id, b.old_metadata, b.new_model_id, b.new_metadata
      from pg_temp.llm_model_ids_batch b
     where b.outcome = 'rewritten';

    return query
        select b.row_id, b.old_model_id, coalesce(b.new_model_id, b.old_model_id), b.outcome
          from pg_temp.llm_model_ids_batch b
        union all
        select c.id, null::text, null::text, 'skipped_locked'
          from pg_catalog.unnest(v_candidates) as c(id)
         where not c.id operator(pg_catalog.=) any (coalesce(v_locked, '{}'))
        order by 1;
end
$$;

-- Why: the undo of backfill, one batch in the caller's transaction. Puts back model_id and
-- metadata exactly as the journal recorded them, with the trigger bypassed, for rows still as
-- backfill left them (a row changed since is reported, not overwritten). Optional filters:
-- p_ids (row ids) and p_provider.
create or replace function llm_model_ids.restore_batch(
    p_after bigint,
    p_limit integer,
    p_ids uuid[] default null,
    p_provider text default null
)
returns table (journal_id bigint, row_id uuid, model_id text, outcome text)
language plpgsql
volatile
security invoker
set search_path = ''
-- Each batch is planned for its own arguments (p_after, p_ids, p_provider): a generic plan cannot
-- know whether p_ids is null, and one for "any row id" on a large journal was seen to cost minutes.
set plan_cache_mode = force_custom_plan
as $$
declare
    v_bypass text := pg_catalog.current_setting('llm_model_ids.bypass', true);
begin
    if p_limit is null or p_limit < 1 then
        raise exception 'restore batch size must be at least 1, not %', p_limit
            using errcode = '22023';
    end if;
    perform pg_catalog.set_config('llm_model_ids.bypass', 'on', true);
    -- The journal was just written by backfill: without statistics the planner sorts every
    -- pending entry for each batch. The first batch of a run (p_after null) analyzes it.
    if p_after is null then
        analyze llm_model_ids.backfill_journal;
    end if;

    return query
    with batch as (
        select j.journal_id, j.row_id, j.old_model_id, j.old_metadata,
               j.new_model_id, j.new_metadata
          from llm_model_ids.backfill_journal j
         where j.restored_at is null
           -- coalesce, not "p_after is null or ...": PL/pgSQL caches a generic plan after five
           -- calls, and only this form keeps the primary-key range in it
           and j.journal_id > coalesce(p_after, 0)
           and (p_ids is null or j.row_id operator(pg_catalog.=) any (p_ids))
           and (p_provider is null
                or exists (select 1
                             from public.llm_models p
                            where p.id = j.row_id
                              and pg_catalog.lower(llm_model_ids.trim_ws(p.provider) collate "C")
                                  = pg_catalog.lower(llm_model_ids.trim_ws(p_provider) collate "C")))
           -- the newest journal entry of a row is undone first
           and not exists (select 1
                             from llm_model_ids.backfill_journal k
                            where k.row_id = j.row_id
                              and k.restored_at is null
                              and k.journal_id > j.journal_id)
         order by j.journal_id
         limit p_limit
           for update skip locked
    ),
    target as (
        select b.*, t.model_id as current_model_id, t.metadata as current_metadata,
               t.provider
          from batch b
               join public.llm_models t on t.id = b.row_id
           for update of t skip locked
    ),
    restored as (
        update public.llm_models t
           set model_id = target.old_model_id, metadata = target.old_metadata
          from target
         where t.id = target.row_id
           and t.model_id is not distinct from target.new_model_id
           and t.metadata is not distinct from target.new_metadata
        returning t.id
    ),
    marked as (
        -- joined through batch (journal_id is the key), never "= any (select ...)": a nested
        -- loop over that subquery was seen to cost a second per batch
        update llm_model_ids.backfill_journal j
           set restored_at = pg_catalog.now()
          from batch b
               join restored on restored.id = b.row_id
         where j.journal_id = b.journal_id
        returning j.journal_id
    )
    select b.journal_id, b.row_id,
           case when r.id is not null then b.old_model_id else tg.current_model_id end,
           case
               when r.id is not null then 'restored'
               when tg.row_id is null and exists (select 1 from public.llm_models x where x.id = b.row_id)
                   then 'skipped_locked'
               when tg.row_id is null then 'row_deleted'
               else 'changed_since_backfill'
           end
      from batch b
           left join target tg on tg.journal_id = b.journal_id
           left join restored r on r.id = b.row_id
     order by b.journal_id;

    perform pg_catalog.set_config('llm_model_ids.bypass', coalesce(v_bypass, ''), true);
end
$$;

