-- llm-model-ids: what the Data API roles (anon, authenticated, service_role) may do with the
-- llm_model_ids schema. The schema is not exposed by the API; the trigger runs as the writing role
-- (SECURITY INVOKER), so a role that writes public.llm_models needs USAGE on the schema and EXECUTE
-- on the rule functions, and nothing else. The DBA functions are for the table owner only.
begin;
create extension if not exists pgtap;

select plan(18);

-- ---------------------------------------------------------------------------------------------
-- The trigger is installed and calls the rules.

select trigger_is('public', 'llm_models', 'llm_model_ids_normalize_insert',
                  'llm_model_ids', 'normalize_row',
                  'the INSERT trigger on public.llm_models calls llm_model_ids.normalize_row()');
select trigger_is('public', 'llm_models', 'llm_model_ids_normalize_update',
                  'llm_model_ids', 'normalize_row',
                  'the UPDATE trigger on public.llm_models calls llm_model_ids.normalize_row()');
select trigger_is('public', 'llm_models', 'llm_model_ids_clear_pending',
                  'llm_model_ids', 'clear_pending_upsert',
                  'the statement trigger that ends the upsert hand-off is installed');
select trigger_is('public', 'llm_models', 'llm_model_ids_mark_upsert',
                  'llm_model_ids', 'mark_upsert',
                  'the statement trigger that marks an INSERT ... ON CONFLICT DO UPDATE is installed');

-- ---------------------------------------------------------------------------------------------
-- anon: nothing.

select ok(not has_schema_privilege('anon', 'llm_model_ids', 'usage'),
          'anon has no USAGE on schema llm_model_ids');
select ok(not has_function_privilege('anon', 'llm_model_ids.backfill_batch(uuid, integer)', 'execute'),
          'anon cannot execute llm_model_ids.backfill_batch');
select ok(not has_function_privilege('anon', 'llm_model_ids.restore_batch(bigint, integer, uuid[], text)',
                                     'execute'),
          'anon cannot execute llm_model_ids.restore_batch');
select is_empty(
    $$select p.oid::regprocedure
        from pg_catalog.pg_proc p
       where p.pronamespace = 'llm_model_ids'::regnamespace
         and has_function_privilege('anon', p.oid, 'execute')$$,
    'anon cannot execute any function in llm_model_ids'
);

-- ---------------------------------------------------------------------------------------------
-- authenticated and service_role: the rules (the trigger needs them), not the DBA side.

select ok(has_schema_privilege('authenticated', 'llm_model_ids', 'usage'),
          'authenticated has USAGE on schema llm_model_ids (the trigger runs as the writing role)');
select is_empty(
    $$select r.rolname, f.signature
        from unnest(array['authenticated', 'service_role']) as r(rolname)
             cross join unnest(array[
                 'llm_model_ids.normalize_row()',
                 'llm_model_ids.clear_pending_upsert()',
                 'llm_model_ids.mark_upsert()',
                 'llm_model_ids.normalize(text, text, text, text)',
                 'llm_model_ids.metadata_object(jsonb)',
                 'llm_model_ids.is_readable(text)',
                 'llm_model_ids.is_opaque(text)',
                 'llm_model_ids.is_location(text)',
                 'llm_model_ids.trim_ws(text)',
                 'llm_model_ids.self_hosted_providers()']) as f(signature)
       where not has_function_privilege(r.rolname, f.signature::regprocedure, 'execute')$$,
    'authenticated and service_role can execute the rule functions the trigger calls'
);
select is_empty(
    $$select r.rolname, f.signature
        from unnest(array['authenticated', 'service_role']) as r(rolname)
             cross join unnest(array[
                 'llm_model_ids.backfill_batch(uuid, integer)',
                 'llm_model_ids.restore_batch(bigint, integer, uuid[], text)']) as f(signature)
       where has_function_privilege(r.rolname, f.signature::regprocedure, 'execute')$$,
    'authenticated and service_role cannot execute backfill_batch or restore_batch'
);
select is_empty(
    $$select r.rolname, t.relname
        from unnest(array['anon', 'authenticated', 'service_role']) as r(rolname)
             cross join unnest(array['llm_model_ids.backfill_journal', 'llm_model_ids.audit'])
                        as t(relname)
       where has_table_privilege(r.rolname, t.relname, 'select, insert, update, delete')$$,
    'no API role can read or write the backfill journal or the audit view'
);
select ok(not has_function_privilege('anon', 'public.load_path(public.llm_models)', 'execute')
          and has_function_privilege('authenticated', 'public.load_path(public.llm_models)', 'execute'),
          'the computed field public.load_path is for authenticated, not anon');

-- ---------------------------------------------------------------------------------------------
-- The same, as the roles themselves.

set local role anon;
select throws_ok(
    $$select llm_model_ids.normalize('/models/my-custom-model')$$,
    '42501', null,
    'as anon, calling a function of llm_model_ids is refused (42501)'
);
reset role;

set local role authenticated;
select is(
    (select model_id from llm_model_ids.normalize('/models/my-custom-model')),
    'my-custom-model',
    'as authenticated, the rules can be called'
);
select throws_ok(
    $$select * from llm_model_ids.backfill_batch(null, 10)$$,
    '42501', null,
    'as authenticated, backfill_batch is refused (42501)'
);
reset role;

-- ---------------------------------------------------------------------------------------------
-- Function hygiene: no SECURITY DEFINER, search_path pinned on every function.

select is_empty(
    $$select p.oid::regprocedure
        from pg_catalog.pg_proc p
       where (p.pronamespace = 'llm_model_ids'::regnamespace
              or p.oid = 'public.load_path(public.llm_models)'::regprocedure)
         and p.prosecdef$$,
    'no function of llm-model-ids is SECURITY DEFINER'
);
select is_empty(
    $$select p.oid::regprocedure
        from pg_catalog.pg_proc p
       where (p.pronamespace = 'llm_model_ids'::regnamespace
              or p.oid = 'public.load_path(public.llm_models)'::regprocedure)
         and not exists (select 1
                           from unnest(p.proconfig) as c(setting)
                          where c.setting like 'search\_path=%')$$,
    'every function of llm-model-ids pins its search_path'
);

select * from finish();
rollback;
