-- llm-model-ids: rules v2 (1.2.0) and the load path, one check per numbered rule of the
-- CHANGELOG, through llm_model_ids.normalize and through the trigger. Runs with
-- `supabase test db` or `pg_prove`; everything it writes is rolled back.
begin;
create extension if not exists pgtap;

select plan(14);

-- 1. locations: .\, $VAR/, %VAR%\, huggingface://
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('.\vicuna-13b.safetensors', null, null, 'openai')$$,
    $$values ('vicuna-13b', '3:path_name')$$,
    'rule 1: .\ is a location for any provider');
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('$HOME/ft/run-7/llama-ft', null, null, 'openai')$$,
    $$values ('llama-ft', '3:path_name')$$,
    'rule 1: an unexpanded $HOME/ is a location');
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('%DATA%\checkpoint-3', null, null, 'vllm')$$,
    $$values ('local-model', '5:local_model')$$,
    'rule 1: %DATA% is the root of the path');

-- 2. opaque: sha256- digests
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize(
        'sha256-6e9f90f02bb3b39b59e81916e8cfce9deb45aeaeb9a54a5be4414486b907dc1e', null, 'qwen', 'ollama')$$,
    $$values ('qwen', '4:name')$$,
    'rule 2: an Ollama blob digest is opaque');

-- 3. relative paths, self-hosted only
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('models/Qwen3-8B', null, null, 'vllm')$$,
    $$values ('Qwen3-8B', '3:path_name')$$,
    'rule 3: models/Qwen3-8B is a relative path for vllm');
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('models/Qwen3-8B', null, null, 'openai')$$,
    $$values ('models/Qwen3-8B', 'keep:readable')$$,
    'rule 3: ... and left as written for a hosted API');
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize('hf.co/bartowski/Llama-3.2-1B-GGUF', null, null, 'ollama')$$,
    $$values ('hf.co/bartowski/Llama-3.2-1B-GGUF', 'keep:readable')$$,
    'rule 3: a host first is not a path');

-- 4. hub layouts
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize(
        'C:\Users\me\.lmstudio\models\lmstudio-community\Qwen3-8B-GGUF\Qwen3-8B-Q4_K_M.gguf', null, null, 'lmstudio')$$,
    $$values ('lmstudio-community/Qwen3-8B-GGUF', '2:hub_layout')$$,
    'rule 4: an LM Studio download names its hub id');
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize(
        '/root/.cache/modelscope/hub/qwen/Qwen2___5-7B-Instruct', null, null, 'vllm')$$,
    $$values ('qwen/Qwen2.5-7B-Instruct', '2:hub_layout')$$,
    'rule 4: ModelScope folders decode ___');

-- 5. path names
select results_eq(
    $$select model_id from llm_model_ids.normalize('/m/DeepSeek-R1-UD-Q2_K_XL-00001-of-00005.gguf', null, null, 'llama.cpp')$$,
    $$values ('DeepSeek-R1-UD-Q2_K_XL')$$,
    'rule 5: the shard suffix is dropped');

-- 6. nothing invisible
select results_eq(
    $$select model_id, rule from llm_model_ids.normalize(e'\u200b', null, 'n', 'vllm')$$,
    $$values (e'\u200b', 'keep:empty')$$,
    'rule 6: an invisible model_id is left as written');

-- the trigger gives normalize's result and keeps the path; upserts on another key keep it too
create unique index pgtap_user_name on public.llm_models (user_id, name);
insert into public.llm_models (user_id, provider, name, model_id)
values ('00000000-0000-0000-0000-00000000aaaa', 'vllm', 'my-ft', 'runs/v3/my-ft');
select results_eq(
    $$select model_id, metadata from public.llm_models where name = 'my-ft'$$,
    $$values ('my-ft', '{"model_path": "runs/v3/my-ft"}'::jsonb)$$,
    'trigger: a relative path is rewritten and kept in model_path');
insert into public.llm_models (user_id, provider, name, model_id)
values ('00000000-0000-0000-0000-00000000aaaa', 'vllm', 'my-ft', 'runs/v4/my-ft')
on conflict (user_id, name) do update set model_id = excluded.model_id;
select results_eq(
    $$select metadata ->> 'model_path', metadata ->> 'previous_model_path'
        from public.llm_models where name = 'my-ft'$$,
    $$values ('runs/v4/my-ft', 'runs/v3/my-ft')$$,
    'upsert on (user_id, name) keeps the new load path');
update public.llm_models set model_id = 'my-ft-renamed', metadata = '{"note": "edited"}'
 where name = 'my-ft';
select results_eq(
    $$select metadata ->> 'model_path' from public.llm_models where name = 'my-ft'$$,
    $$values ('runs/v4/my-ft')$$,
    'a rename with a whole-row metadata edit keeps the load path');

select * from finish();
rollback;
