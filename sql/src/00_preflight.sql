-- A migration waits at most 5 s for a lock (then fails, nothing applied) and runs at most 1 min.
set lock_timeout = '5s';
set statement_timeout = '1min';

-- Refuse to install, before anything is changed, where the trigger could not serve the table:
-- the table or a column the trigger reads is missing or of another type, there is no uuid `id`
-- primary key (backfill and restore journal rows by it), the table is partitioned by model_id
-- (a BEFORE ROW trigger may not move a row to another partition), or the database is not UTF8
-- (the rules name Unicode characters).
do $check$
declare
    v_problem text;
begin
    if pg_catalog.to_regclass('public.llm_models') is null then
        raise exception 'llm-model-ids: table public.llm_models does not exist'
            using errcode = '42P01',
                  hint = 'Create the app''s table first (sql/reference/llm_models.sql is a reference DDL).';
    end if;
    if pg_catalog.pg_char_to_encoding('UTF8')
       operator(pg_catalog.<>) (select d.encoding from pg_catalog.pg_database d
                                 where d.datname = pg_catalog.current_database()) then
        raise exception 'llm-model-ids: the database encoding is not UTF8'
            using errcode = '22021',
                  hint = 'Supabase databases are UTF8; create the database with ENCODING ''UTF8''.';
    end if;
    select pg_catalog.string_agg(pg_catalog.format('%s (%s)', need.col, need.typ), ', '
                                 order by need.col)
      into v_problem
      from (values ('model_id', 'text'), ('base_model', 'text'), ('name', 'text'),
                   ('provider', 'text'), ('metadata', 'jsonb')) as need(col, typ)
     where not exists (
         select 1
           from pg_catalog.pg_attribute a
          where a.attrelid = 'public.llm_models'::pg_catalog.regclass
            and a.attname = need.col
            and a.attnum > 0
            and not a.attisdropped
            and (a.atttypid = need.typ::pg_catalog.regtype
                 or (need.typ = 'text' and a.atttypid = 'pg_catalog.varchar'::pg_catalog.regtype)));
    if v_problem is not null then
        raise exception 'llm-model-ids: public.llm_models lacks column(s) %', v_problem
            using errcode = '42703',
                  hint = 'The trigger reads model_id, base_model, name, provider (text or varchar) '
                         'and metadata (jsonb).';
    end if;
    if exists (
        select 1
          from pg_catalog.pg_partitioned_table p
         where p.partrelid = 'public.llm_models'::pg_catalog.regclass
           and pg_catalog.pg_get_partkeydef(p.partrelid)
               operator(pg_catalog.~) '\m(model_id|metadata)\M') then
        raise exception 'llm-model-ids: public.llm_models is partitioned by model_id or metadata'
            using errcode = '0A000',
                  hint = 'The trigger rewrites model_id and metadata in a BEFORE ROW trigger, which '
                         'may not move a row to another partition; partition by another column.';
    end if;
    if not exists (
        select 1
          from pg_catalog.pg_index i
              join pg_catalog.pg_attribute a
                on a.attrelid = i.indrelid and a.attnum operator(pg_catalog.=) i.indkey[0]
         where i.indrelid = 'public.llm_models'::pg_catalog.regclass
           and i.indisprimary
           and i.indnkeyatts = 1
           and a.attname = 'id'
           and a.atttypid = 'pg_catalog.uuid'::pg_catalog.regtype) then
        raise exception 'llm-model-ids: public.llm_models has no uuid primary key "id"'
            using errcode = '42P16',
                  hint = 'backfill and restore journal rows by a uuid primary key id '
                         '(id uuid primary key default gen_random_uuid()).';
    end if;
end
$check$;
