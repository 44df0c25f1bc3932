-- llm-model-ids doctor: the columns of public.llm_models that llm-model-ids relies on.
-- Returns (name, ok, detail, fix), one row per check; run with search_path = ''.
--   columns:   model_id, base_model, name, provider (text or varchar) and metadata (jsonb), which
--              the trigger reads and writes by name;
--   id_column: id, the uuid primary key by which backfill, restore and the audit view key rows;
--   partition: the table is no partition of another: PostgreSQL fires only the parent's statement
--              triggers for a write through the parent, so the upsert mark and the hand-off's
--              clean-up (statement triggers of llm_models) would not run.
with need (col, types, wanted, convert) as (
    values ('model_id', array['text', 'varchar'], 'text or varchar', 'text'),
           ('base_model', array['text', 'varchar'], 'text or varchar', 'text'),
           ('name', array['text', 'varchar'], 'text or varchar', 'text'),
           ('provider', array['text', 'varchar'], 'text or varchar', 'text'),
           ('metadata', array['jsonb'], 'jsonb', 'jsonb using metadata::jsonb')
),
got as (
    select need.col, need.types, need.wanted, need.convert, t.typname::text as typname,
           pg_catalog.format_type(a.atttypid, a.atttypmod) as shown
      from need
           left join pg_catalog.pg_attribute a
                  on a.attrelid = pg_catalog.to_regclass('public.llm_models')
                 and a.attname = need.col
                 and a.attnum > 0
                 and not a.attisdropped
           left join pg_catalog.pg_type t
                  on t.oid = a.atttypid
                 and t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
),
bad as (
    select got.col,
           case when got.shown is null
                then pg_catalog.format('no column %s (%s)', got.col, got.wanted)
                else pg_catalog.format('%s is %s, not %s', got.col, got.shown, got.wanted)
           end as problem,
           case when got.shown is null
                then pg_catalog.format(
                    'alter table public.llm_models rename column <its new name> to %s;', got.col)
                else pg_catalog.format(
                    'alter table public.llm_models alter column %s type %s;', got.col, got.convert)
           end as fix
      from got
     where got.typname is null or not got.typname = any (got.types)
),
id as (
    select pg_catalog.format_type(a.atttypid, a.atttypmod) as shown,
           exists (select 1
                     from pg_catalog.pg_constraint c
                    where c.conrelid = a.attrelid
                      and c.contype = 'p'
                      and c.conkey = array[a.attnum]) as primary_key
      from pg_catalog.pg_attribute a
     where a.attrelid = pg_catalog.to_regclass('public.llm_models')
       and a.attname = 'id'
       and a.attnum > 0
       and not a.attisdropped
)
select 'columns' as name,
       not exists (select 1 from bad) as ok,
       coalesce('public.llm_models: '
                    || (select pg_catalog.string_agg(bad.problem, '; ' order by bad.col) from bad),
                'public.llm_models has model_id, base_model, name, provider (text or varchar)'
                    || ' and metadata (jsonb)') as detail,
       (select pg_catalog.string_agg(bad.fix, ' ' order by bad.col) from bad) as fix
union all
select 'id_column',
       coalesce(id.shown = 'uuid' and id.primary_key, false),
       case when id.shown is null
                then 'public.llm_models has no id column (backfill and restore key rows by a'
                     || ' uuid primary key id)'
            when id.shown <> 'uuid'
                then pg_catalog.format('public.llm_models.id is %s, not uuid (backfill and restore'
                                       || ' key rows by a uuid primary key id)', id.shown)
            when not id.primary_key
                then 'public.llm_models.id is not the primary key (backfill and restore key rows'
                     || ' by it)'
            else 'public.llm_models.id is the uuid primary key (backfill and restore key rows by it)'
       end,
       case when id.shown is null or id.shown <> 'uuid'
                then 'the trigger works without it, but backfill and restore need a uuid primary'
                     || ' key named id: give the table one, or fix old rows by hand'
            when not id.primary_key
                then 'alter table public.llm_models add primary key (id);'
       end
  from (select) as one
       left join id on true
union all
select 'partition',
       parent.name is null,
       case when parent.name is null
                then 'public.llm_models is no partition (its statement triggers fire for every'
                     || ' write)'
            else pg_catalog.format('public.llm_models is a partition of %s: a write through %s'
                                   || ' fires none of llm_models''s statement triggers, so an'
                                   || ' upsert there would lose the new path (write to'
                                   || ' public.llm_models itself, or detach it)',
                                   parent.name, parent.name)
       end,
       case when parent.name is not null
                then pg_catalog.format('alter table %s detach partition public.llm_models;',
                                       parent.name)
       end
  from (select) as one
       left join (select i.inhparent::pg_catalog.regclass::pg_catalog.text as name
                    from pg_catalog.pg_inherits i
                   where i.inhrelid = pg_catalog.to_regclass('public.llm_models')
                   limit 1) as parent on true;
