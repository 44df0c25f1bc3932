create schema if not exists llm_model_ids;
comment on schema llm_model_ids is
    'llm-model-ids: keeps public.llm_models.model_id readable. Not exposed by the Data API.';

-- One row per row that backfill_batch rewrote, with what it was before: restore_batch puts it
-- back exactly. Kept until uninstall (which drops it with the schema).
create table if not exists llm_model_ids.backfill_journal (
    journal_id bigint generated always as identity primary key,
    row_id uuid not null,
    old_model_id text,
    old_metadata jsonb,
    new_model_id text,
    new_metadata jsonb,
    backfilled_at timestamptz not null default pg_catalog.now(),
    restored_at timestamptz
);
create index if not exists backfill_journal_row_id_idx
    on llm_model_ids.backfill_journal (row_id) where restored_at is null;
comment on table llm_model_ids.backfill_journal is
    'llm-model-ids: what backfill changed, so that restore can undo it exactly.';
