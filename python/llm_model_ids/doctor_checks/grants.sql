-- llm-model-ids doctor: the grants to the Supabase API roles, as the README documents them.
--   anon gets nothing: no USAGE on the schema, no EXECUTE on its functions;
--   no API role may use the maintenance objects (backfill_batch, restore_batch, is_candidate,
--   the journal, the audit view): they are for the table owner;
--   the roles that write through the API (authenticated, service_role) have USAGE on the schema
--   and EXECUTE on every other function but version(), or their writes would fail.
-- Returns one row (name, ok, detail, fix); run with search_path = ''.
with roles as (
    select r.rolname::pg_catalog.text as role
      from pg_catalog.pg_roles r
     where r.rolname in ('anon', 'authenticated', 'service_role')
),
sch as (
    select n.oid from pg_catalog.pg_namespace n where n.nspname = 'llm_model_ids'
),
fns as (
    select p.oid,
           p.oid::pg_catalog.regprocedure::pg_catalog.text as signature,
           p.proname in ('backfill_batch', 'restore_batch', 'is_candidate') as maintenance,
           p.proname in ('backfill_batch', 'restore_batch', 'is_candidate', 'version')
               as not_for_writers
      from pg_catalog.pg_proc p
           join sch on sch.oid = p.pronamespace
),
problems (ord, role, detail, fix) as (
    select 1, r.role, 'anon has USAGE on schema llm_model_ids',
           'revoke all on schema llm_model_ids from public, anon;'
      from roles r, sch
     where r.role = 'anon'
       and pg_catalog.has_schema_privilege(r.role, sch.oid, 'usage')
    union all
    select 2, r.role,
           'anon may EXECUTE ' || pg_catalog.string_agg(f.signature, ', ' order by f.signature),
           'revoke all on all functions in schema llm_model_ids from public, anon;'
      from roles r
           join fns f on pg_catalog.has_function_privilege(r.role, f.oid, 'execute')
     where r.role = 'anon'
     group by r.role
    union all
    select 3, r.role, pg_catalog.format('%s may EXECUTE %s', r.role, f.signature),
           pg_catalog.format('revoke all on function %s from public, %I;', f.signature, r.role)
      from roles r
           join fns f on f.maintenance
                     and pg_catalog.has_function_privilege(r.role, f.oid, 'execute')
    union all
    select 4, r.role, pg_catalog.format('%s has privileges on llm_model_ids.%s', r.role, c.relname),
           pg_catalog.format('revoke all on llm_model_ids.%I from public, %I;', c.relname, r.role)
      from roles r
           join pg_catalog.pg_class c
             on c.relnamespace = (select sch.oid from sch)
            and c.relname in ('backfill_journal', 'audit')
            and pg_catalog.has_table_privilege(
                    r.role, c.oid, 'select, insert, update, delete, truncate, references, trigger')
    union all
    select 5, r.role,
           pg_catalog.format('%s lacks USAGE on schema llm_model_ids (its writes would fail)',
                             r.role),
           pg_catalog.format('grant usage on schema llm_model_ids to %I;', r.role)
      from roles r, sch
     where r.role in ('authenticated', 'service_role')
       and not pg_catalog.has_schema_privilege(r.role, sch.oid, 'usage')
    union all
    select 6, r.role,
           pg_catalog.format('%s lacks EXECUTE on %s (its writes would fail)', r.role,
                             pg_catalog.string_agg(f.signature, ', ' order by f.signature)),
           pg_catalog.format('grant execute on function %s to %I;',
                             pg_catalog.string_agg(f.signature, ', ' order by f.signature), r.role)
      from roles r
           join fns f on not f.not_for_writers
                     and not pg_catalog.has_function_privilege(r.role, f.oid, 'execute')
     where r.role in ('authenticated', 'service_role')
     group by r.role
)
select 'grants' as name,
       not exists (select 1 from problems) as ok,
       case when exists (select 1 from problems)
                then (select pg_catalog.string_agg(p.detail, '; ' order by p.ord, p.role, p.detail)
                        from problems p)
            when not exists (select 1 from roles)
                then 'no Supabase API roles here (anon, authenticated, service_role)'
            else pg_catalog.format('grants as documented (%s)',
                                   (select pg_catalog.string_agg(r.role, ', ' order by r.role)
                                      from roles r))
       end as detail,
       (select pg_catalog.string_agg(p.fix, ' ' order by p.ord, p.role, p.detail)
          from problems p) as fix;
