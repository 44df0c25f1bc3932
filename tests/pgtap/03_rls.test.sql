-- llm-model-ids under row level security: the trigger runs for a signed-in user (role
-- authenticated, JWT claims as PostgREST sets them) and the app's policies on public.llm_models
-- still decide which rows that user may write and read. User A and user B are two signed-in users;
-- B owns a shared (is_global) row and a private one.
begin;
create extension if not exists pgtap;

select plan(12);

-- B's rows, written by the server side (the table owner here; service_role on the API).
insert into public.llm_models (id, user_id, name, model_id, provider, is_global)
values ('b0000000-0000-4000-8000-00000000000b', 'bbbbbbbb-0000-4000-8000-00000000000b',
        'B shared', '/models/b-shared-ft/checkpoint-100', 'vllm', true),
       ('b0000000-0000-4000-8000-0000000000bb', 'bbbbbbbb-0000-4000-8000-00000000000b',
        'B private', '/models/b-private-ft', 'vllm', false);
select results_eq(
    $$select model_id from public.llm_models
       where user_id = 'bbbbbbbb-0000-4000-8000-00000000000b' order by name$$,
    $$values ('b-private-ft'), ('b-shared-ft')$$,
    'setup: B''s rows are written and normalized'
);

-- ---------------------------------------------------------------------------------------------
-- Signed in as user A.

-- As PostgREST does for a request: switch to the JWT's role and publish the claims for the
-- transaction (set_config(..., true)), which auth.uid() in the policies reads.
set local role authenticated;
do $$ begin
    perform set_config('request.jwt.claims',
                       '{"sub": "aaaaaaaa-0000-4000-8000-00000000000a", "role": "authenticated"}', true);
end $$;

select lives_ok(
    $$insert into public.llm_models (id, user_id, name, model_id, provider)
      values ('a0000000-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a',
              'A sft', '/home/a/runs/qwen-sft/checkpoint-500', 'vllm')$$,
    'user A can insert a row of their own'
);
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-00000000000a'$$,
    $$values ('qwen-sft', '{"model_path": "/home/a/runs/qwen-sft/checkpoint-500"}'::jsonb)$$,
    'user A''s row is normalized by the trigger running as authenticated'
);

select throws_ok(
    $$insert into public.llm_models (user_id, name, model_id, provider)
      values ('bbbbbbbb-0000-4000-8000-00000000000b', 'forged', '/models/forged-ft', 'vllm')$$,
    '42501',
    'new row violates row-level security policy for table "llm_models"',
    'user A cannot insert a row with user B''s user_id (42501)'
);

select set_eq(
    $$select id from public.llm_models$$,
    $$values ('a0000000-0000-4000-8000-00000000000a'::uuid),
             ('b0000000-0000-4000-8000-00000000000b'::uuid)$$,
    'user A sees their own row and B''s global row, not B''s private row'
);

select is_empty(
    $$update public.llm_models set model_id = '/tmp/hijack/evil-ft', name = 'hijacked'
       where id = 'b0000000-0000-4000-8000-00000000000b' returning id$$,
    'user A cannot update B''s global row (0 rows)'
);
select is_empty(
    $$delete from public.llm_models
       where id = 'b0000000-0000-4000-8000-00000000000b' returning id$$,
    'user A cannot delete B''s global row (0 rows)'
);

select results_eq(
    $$update public.llm_models set model_id = 'cb10bbcb-2725-49ce-9586-a9baf57de3a4'
       where id = 'a0000000-0000-4000-8000-00000000000a' returning model_id$$,
    $$values ('A sft')$$,
    'user A can update their own row, and the update is normalized'
);

select throws_ok(
    $$update public.llm_models set user_id = 'bbbbbbbb-0000-4000-8000-00000000000b'
       where id = 'a0000000-0000-4000-8000-00000000000a'$$,
    '42501',
    'new row violates row-level security policy for table "llm_models"',
    'user A cannot hand their row over to B (42501)'
);

-- ---------------------------------------------------------------------------------------------
-- Signed in as user B.

do $$ begin
    perform set_config('request.jwt.claims',
                       '{"sub": "bbbbbbbb-0000-4000-8000-00000000000b", "role": "authenticated"}', true);
end $$;
select set_eq(
    $$select id from public.llm_models$$,
    $$values ('b0000000-0000-4000-8000-00000000000b'::uuid),
             ('b0000000-0000-4000-8000-0000000000bb'::uuid)$$,
    'user B sees both of their rows, not A''s private row'
);

reset role;
do $$ begin perform set_config('request.jwt.claims', '', true); end $$;

-- ---------------------------------------------------------------------------------------------
-- Back as the table owner: B's shared row is as B wrote it.

select results_eq(
    $$select name, model_id, metadata from public.llm_models
       where id = 'b0000000-0000-4000-8000-00000000000b'$$,
    $$values ('B shared', 'b-shared-ft',
              '{"model_path": "/models/b-shared-ft/checkpoint-100"}'::jsonb)$$,
    'B''s global row is unchanged after A''s attempts'
);
select is(
    (select count(*)::integer from public.llm_models
      where user_id = 'bbbbbbbb-0000-4000-8000-00000000000b'),
    2,
    'no row was written for B by A'
);

select * from finish();
rollback;
