-- The SQL the DBA commands run, one named query per section (loaded by queries.py; the
-- section names are the attribute names of llm_model_ids.queries.QUERIES). The rules live in
-- the schema (llm_model_ids.normalize, is_candidate, the audit view, backfill_batch,
-- restore_batch): nothing here re-implements them. Parameters are psycopg's %(name)s.

-- name: read_only_snapshot
-- The first statement of a read-only report: one consistent snapshot, no writes possible.
set transaction isolation level repeatable read, read only;

-- name: set_lock_timeout
-- The first statement of every batch: its lock waits end after %(lock_timeout)s (SET LOCAL).
select pg_catalog.set_config('lock_timeout', %(lock_timeout)s, true);

-- name: audit_counts
-- Rows to fix by problem (location / opaque / lost_model_path).
select a.problem, pg_catalog.count(*) as count
  from llm_model_ids.audit a
 group by a.problem;

-- name: audit_rows
-- The rows to fix, in a stable order; limit null = every row.
select a.id::text as id, a.provider, a.name, a.model_id, a.proposed_model_id, a.rule, a.problem
  from llm_model_ids.audit a
 order by a.problem, a.id
 limit %(limit)s;

-- name: count_rows
select pg_catalog.count(*) from public.llm_models;

-- name: count_candidates
-- The rows backfill_batch would examine: the same test, llm_model_ids.is_candidate.
select pg_catalog.count(*)
  from public.llm_models t
 where llm_model_ids.is_candidate(t.model_id, t.provider);

-- name: sample_candidates
-- The same on a TABLESAMPLE of about %(percent)s percent of the table (sizes the progress bar).
select pg_catalog.count(*) filter (where llm_model_ids.is_candidate(t.model_id, t.provider))
           as matched,
       pg_catalog.count(*) as sampled
  from public.llm_models t tablesample system (%(percent)s) repeatable (0);

-- name: backfill_batch
select b.row_id, b.old_model_id, b.new_model_id, b.outcome
  from llm_model_ids.backfill_batch(%(after)s, %(limit)s) b;

-- name: backfill_preview_counts
-- backfill --dry-run: the rows it would rewrite by problem, how many of those the trigger would
-- refuse (metadata not a JSON object), and the rows that lost model_path (not backfill's job).
select a.problem,
       pg_catalog.count(*) as count,
       pg_catalog.count(*) filter (where pg_catalog.jsonb_typeof(t.metadata)
                                         not in ('object', 'null')) as refused
  from llm_model_ids.audit a
       join public.llm_models t on t.id = a.id
 group by a.problem;

-- name: backfill_preview_pairs
select a.id::text as id, a.provider, a.name, a.model_id, a.proposed_model_id, a.rule, a.problem
  from llm_model_ids.audit a
 where a.problem in ('location', 'opaque')
 order by a.id
 limit %(show)s;

-- name: restore_batch
select r.journal_id, r.row_id, r.model_id, r.outcome
  from llm_model_ids.restore_batch(%(after)s, %(limit)s, %(ids)s, %(provider)s) r;

-- name: restore_pending_count
-- Journal entries not restored yet that restore would take (its filters: ids, provider).
select pg_catalog.count(*)
  from llm_model_ids.backfill_journal j
       left join public.llm_models t on t.id = j.row_id
 where j.restored_at is null
   and (%(ids)s::uuid[] is null or j.row_id operator(pg_catalog.=) any (%(ids)s::uuid[]))
   and (%(provider)s::text is null
        or pg_catalog.lower(llm_model_ids.trim_ws(t.provider) collate "C")
           = pg_catalog.lower(llm_model_ids.trim_ws(%(provider)s::text) collate "C"));

-- name: restore_preview_counts
-- restore --dry-run: what restore_batch would do with the newest pending entry of each row.
with pending as (
    select j.journal_id,
           case when t.id is null then 'row_deleted'
                when t.model_id is not distinct from j.new_model_id
                 and t.metadata is not distinct from j.new_metadata then 'restored'
                else 'changed_since_backfill' end as would
      from llm_model_ids.backfill_journal j
           left join public.llm_models t on t.id = j.row_id
     where j.restored_at is null
       and (%(ids)s::uuid[] is null or j.row_id operator(pg_catalog.=) any (%(ids)s::uuid[]))
       and (%(provider)s::text is null
            or pg_catalog.lower(llm_model_ids.trim_ws(t.provider) collate "C")
               = pg_catalog.lower(llm_model_ids.trim_ws(%(provider)s::text) collate "C"))
       and not exists (select 1 from llm_model_ids.backfill_journal k
                        where k.row_id = j.row_id and k.restored_at is null
                          and k.journal_id > j.journal_id)
)
select p.would, pg_catalog.count(*) as count
  from pending p
 group by p.would;

-- name: restore_preview_entries
-- The first %(show)s of those entries, with the row as it is now.
select j.journal_id,
       j.row_id::text as row_id,
       t.provider,
       t.model_id as current_model_id,
       j.old_model_id as original_model_id,
       case when t.id is null then 'row_deleted'
            when t.model_id is not distinct from j.new_model_id
             and t.metadata is not distinct from j.new_metadata then 'restored'
            else 'changed_since_backfill' end as would
  from llm_model_ids.backfill_journal j
       left join public.llm_models t on t.id = j.row_id
 where j.restored_at is null
   and (%(ids)s::uuid[] is null or j.row_id operator(pg_catalog.=) any (%(ids)s::uuid[]))
   and (%(provider)s::text is null
        or pg_catalog.lower(llm_model_ids.trim_ws(t.provider) collate "C")
           = pg_catalog.lower(llm_model_ids.trim_ws(%(provider)s::text) collate "C"))
   and not exists (select 1 from llm_model_ids.backfill_journal k
                    where k.row_id = j.row_id and k.restored_at is null
                      and k.journal_id > j.journal_id)
 order by j.journal_id
 limit %(show)s;
