-- Privileges. The trigger runs as the writing role (SECURITY INVOKER), so the API roles that
-- write llm_models (authenticated, service_role) get USAGE on the schema and EXECUTE on the rule
-- functions and the computed field load_path; anon and PUBLIC get nothing. The maintenance
-- objects (backfill_batch, restore_batch, is_candidate, version, the journal, the audit view)
-- are for the table owner / DBA only.
revoke all on schema llm_model_ids from public;
revoke all on all functions in schema llm_model_ids from public;
revoke all on llm_model_ids.backfill_journal, llm_model_ids.audit from public;
revoke all on function public.load_path(public.llm_models) from public;
do $grants$
declare
    v_role text;
begin
    foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
        continue when not exists (select 1 from pg_catalog.pg_roles where rolname = v_role);
        execute pg_catalog.format('revoke all on schema llm_model_ids from %I', v_role);
        execute pg_catalog.format('revoke all on all functions in schema llm_model_ids from %I', v_role);
        execute pg_catalog.format(
            'revoke all on llm_model_ids.backfill_journal, llm_model_ids.audit from %I', v_role);
        execute pg_catalog.format(
            'revoke all on function public.load_path(public.llm_models) from %I', v_role);
        continue when v_role = 'anon';
        execute pg_catalog.format('grant usage on schema llm_model_ids to %I', v_role);
        execute pg_catalog.format(
            'grant execute on function llm_model_ids.normalize_row(), llm_model_ids.clear_pending_upsert(), '
            'llm_model_ids.mark_upsert(), '
            'llm_model_ids.normalize(text, text, text, text), '
            'llm_model_ids.metadata_object(jsonb), '
            'llm_model_ids.is_readable(text), llm_model_ids.is_opaque(text), '
            'llm_model_ids.is_location(text), llm_model_ids.trim_ws(text), '
            'llm_model_ids.self_hosted_providers(), public.load_path(public.llm_models) to %I',
            v_role);
    end loop;
end
$grants$;
