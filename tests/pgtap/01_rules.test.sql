-- llm-model-ids: the rules, through llm_model_ids.normalize and through INSERT/UPDATE on
-- public.llm_models (the trigger). Runs with `supabase test db` or `pg_prove` on a database where
-- the migrations in sql/migrations are applied; everything it writes is rolled back.
begin;
create extension if not exists pgtap;

select plan(18);

-- ---------------------------------------------------------------------------------------------
-- llm_model_ids.normalize(model_id, base_model, name, provider) -> (model_id, rule, kind)

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize(
            '/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780',
            'meta-llama/Llama-3.2-3B-Instruct', 'Llama-3.2-3B-Instruct-trained-1732901234', 'vllm')$$,
    $$values ('meta-llama/Llama-3.2-3B-Instruct', '1:base_model', 'location')$$,
    'normalize: a training checkpoint path with a base model becomes the base model'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize('meta-llama/Llama-3.2-3B-Instruct', 'unknown',
                                     'Llama-3.2-3B-Instruct-trained-1732901234', 'vllm')$$,
    $$values ('meta-llama/Llama-3.2-3B-Instruct', 'keep:readable', null::text)$$,
    'normalize: a Hugging Face id is left exactly as written'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize('/models/my-custom-model', null, 'x', 'vllm')$$,
    $$values ('my-custom-model', '3:path_name', 'location')$$,
    'normalize: a local path without base model gives the folder name'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize(
            '/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B/snapshots/0123456789abcdef0123456789abcdef01234567',
            null, null, 'vllm')$$,
    $$values ('Qwen/Qwen2.5-0.5B', '2:hub_id', 'location')$$,
    'normalize: a Hugging Face cache folder gives the hub id'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize('s3://bucket/team/llama-3-8b-dpo/checkpoint-1200', null, null, 'vllm')$$,
    $$values ('llama-3-8b-dpo', '3:path_name', 'location')$$,
    'normalize: an object-storage URI skips the checkpoint folder'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize('cb10bbcb-2725-49ce-9586-a9baf57de3a4', null,
                                     'Llama-3.2-3B-Instruct-trained-1732901234', 'vllm')$$,
    $$values ('Llama-3.2-3B-Instruct-trained-1732901234', '4:name', 'opaque')$$,
    'normalize: an opaque id served by vllm (self-hosted) becomes the row''s name'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize('cb10bbcb-2725-49ce-9586-a9baf57de3a4', null,
                                     'Llama-3.2-3B-Instruct-trained-1732901234', 'openai')$$,
    $$values ('cb10bbcb-2725-49ce-9586-a9baf57de3a4', 'keep:hosted_opaque', null::text)$$,
    'normalize: an opaque id of a hosted API (openai) may be its real name and is kept'
);

select results_eq(
    $$select model_id, rule, kind
        from llm_model_ids.normalize(
            '/srv/llama-project/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1', null, null, 'vllm')$$,
    $$values ('local-model', '5:local_model', 'location')$$,
    'normalize: a path with nothing readable becomes local-model'
);

-- ---------------------------------------------------------------------------------------------
-- The trigger on public.llm_models (as the table owner; RLS is 03_rls.test.sql).

insert into public.llm_models (id, name, model_id, base_model, provider, metadata)
values ('a0000000-0000-4000-8000-000000000001', 'Llama-3.2-3B-Instruct-trained-1732901234',
        '/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780',
        'meta-llama/Llama-3.2-3B-Instruct', 'vllm',
        '{"training_job_id": "job_cb10bbcb", "server_id": "s1"}');
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000001'$$,
    $$values ('meta-llama/Llama-3.2-3B-Instruct',
              '{"training_job_id": "job_cb10bbcb", "server_id": "s1",
                "model_path": "/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"}'::jsonb)$$,
    'INSERT: a checkpoint path becomes the base model, the path goes to metadata.model_path, '
    'the other metadata keys are kept'
);

select is(
    (select public.load_path(t) from public.llm_models t
      where t.id = 'a0000000-0000-4000-8000-000000000001'),
    '/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780',
    'public.load_path: the computed field gives the kept path'
);

insert into public.llm_models (id, name, model_id, base_model, provider, metadata)
values ('a0000000-0000-4000-8000-000000000002', 'Llama-3.2-3B-Instruct-trained-1732901234',
        'meta-llama/Llama-3.2-3B-Instruct', 'unknown', 'vllm', null);
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000002'$$,
    $$values ('meta-llama/Llama-3.2-3B-Instruct', null::jsonb)$$,
    'INSERT: a Hugging Face id is left as written, metadata untouched'
);

insert into public.llm_models (id, name, model_id, provider, metadata)
values ('a0000000-0000-4000-8000-000000000003', 'Llama-3.2-3B-Instruct-trained-1732901234',
        'cb10bbcb-2725-49ce-9586-a9baf57de3a4', 'vllm', '{"k": 1}'),
       ('a0000000-0000-4000-8000-000000000004', 'Llama-3.2-3B-Instruct-trained-1732901234',
        'cb10bbcb-2725-49ce-9586-a9baf57de3a4', 'openai', '{"k": 1}');
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000003'$$,
    $$values ('Llama-3.2-3B-Instruct-trained-1732901234',
              '{"k": 1, "original_model_id": "cb10bbcb-2725-49ce-9586-a9baf57de3a4"}'::jsonb)$$,
    'INSERT: an opaque id for vllm becomes the name, the id goes to metadata.original_model_id'
);
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000004'$$,
    $$values ('cb10bbcb-2725-49ce-9586-a9baf57de3a4', '{"k": 1}'::jsonb)$$,
    'INSERT: an opaque id for openai is left as written'
);

select throws_ok(
    $$insert into public.llm_models (name, model_id, provider, metadata)
      values ('m', '/models/phi-3-ft', 'vllm', '[1, 2]')$$,
    '22023',
    'llm_models.metadata must be a JSON object, not a JSON array',
    'INSERT: a path with non-object metadata is refused (22023), nothing is written'
);

update public.llm_models
   set model_id = '/srv/ft-run/checkpoint-9'
 where id = 'a0000000-0000-4000-8000-000000000002';
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000002'$$,
    $$values ('ft-run', '{"model_path": "/srv/ft-run/checkpoint-9"}'::jsonb)$$,
    'UPDATE: a new model_id that is a path is rewritten, the path kept'
);

update public.llm_models
   set metadata = '{"server_id": "s2"}'
 where id = 'a0000000-0000-4000-8000-000000000001';
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000001'$$,
    $$values ('meta-llama/Llama-3.2-3B-Instruct',
              '{"server_id": "s2",
                "model_path": "/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"}'::jsonb)$$,
    'UPDATE: rewriting metadata without model_path keeps the load path'
);

set local llm_model_ids.bypass = on;
insert into public.llm_models (id, name, model_id, provider, metadata)
values ('a0000000-0000-4000-8000-000000000005', 'm', '/models/phi-3-ft', 'vllm', '[1, 2]');
set local llm_model_ids.bypass = off;
select results_eq(
    $$select model_id, metadata from public.llm_models
       where id = 'a0000000-0000-4000-8000-000000000005'$$,
    $$values ('/models/phi-3-ft', '[1, 2]'::jsonb)$$,
    'bypass: with llm_model_ids.bypass = on the row is written exactly as given'
);

insert into public.llm_models (id, name, model_id, provider)
values ('a0000000-0000-4000-8000-000000000006', 'm', '/models/phi-3-ft', 'vllm');
select is(
    (select model_id from public.llm_models where id = 'a0000000-0000-4000-8000-000000000006'),
    'phi-3-ft',
    'bypass: off again, the trigger rewrites'
);

select * from finish();
rollback;
