-- llm-model-ids doctor: every function of llm_model_ids, and public.load_path, pins
-- search_path = '' and is SECURITY INVOKER (never DEFINER: the trigger runs as the writer).
-- Returns (name, ok, detail, fix); run with search_path = '' so signatures are fully qualified.
with f as (
    select p.oid::pg_catalog.regprocedure::pg_catalog.text as signature,
           p.prosecdef as definer,
           'search_path=""' = any (coalesce(p.proconfig, '{}')) as pinned
      from pg_catalog.pg_proc p
           join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'llm_model_ids'
        or p.oid = pg_catalog.to_regprocedure('public.load_path(public.llm_models)')
)
select 'search_path' as name,
       pg_catalog.count(*) filter (where not f.pinned) = 0 as ok,
       case when pg_catalog.count(*) filter (where not f.pinned) = 0
                then pg_catalog.format('search_path='''' pinned on %s functions', pg_catalog.count(*))
            else pg_catalog.string_agg(f.signature, ', ' order by f.signature)
                     filter (where not f.pinned)
                 || case when pg_catalog.count(*) filter (where not f.pinned) = 1
                         then ' does not pin' else ' do not pin' end
                 || ' search_path='''''
       end as detail,
       pg_catalog.string_agg(pg_catalog.format('alter function %s set search_path = '''';',
                                               f.signature), ' ' order by f.signature)
           filter (where not f.pinned) as fix
  from f
union all
select 'security_definer',
       pg_catalog.count(*) filter (where f.definer) = 0,
       case when pg_catalog.count(*) filter (where f.definer) = 0
                then 'no function is SECURITY DEFINER'
            else pg_catalog.string_agg(f.signature, ', ' order by f.signature)
                     filter (where f.definer)
                 || case when pg_catalog.count(*) filter (where f.definer) = 1
                         then ' is' else ' are' end
                 || ' SECURITY DEFINER'
       end,
       pg_catalog.string_agg(pg_catalog.format('alter function %s security invoker;',
                                               f.signature), ' ' order by f.signature)
           filter (where f.definer)
  from f;
