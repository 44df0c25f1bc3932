-- Removes llm-model-ids: the triggers, the computed field and the project's schema.
-- public.llm_models, its columns and its rows are left untouched. Idempotent.
-- A migration waits at most 5 s for a lock (then fails, nothing applied) and runs at most 1 min.
set lock_timeout = '5s';
set statement_timeout = '1min';

do $drop_triggers$
begin
    if pg_catalog.to_regclass('public.llm_models') is not null then
        drop trigger if exists llm_model_ids_normalize_insert on public.llm_models;
        drop trigger if exists llm_model_ids_normalize_update on public.llm_models;
        drop trigger if exists llm_model_ids_clear_pending on public.llm_models;
        drop trigger if exists llm_model_ids_mark_upsert on public.llm_models;
        drop function if exists public.load_path(public.llm_models);
    end if;
end
$drop_triggers$;

drop schema if exists llm_model_ids cascade;
