-- Reference DDL of the app's table, as the deploy route in the seed write-up uses it.
-- Not a migration: llm-model-ids never creates or alters the app's table. This file
-- exists for the demo, the tests and `llm-model-ids install --with-reference-table`.
-- Idempotent.
create table if not exists public.llm_models (
    id uuid primary key default gen_random_uuid(),
    user_id uuid,
    provider text not null default 'vllm',
    name text not null,
    model_id text not null,
    served_model_name text,
    base_url text,
    is_global boolean not null default false,
    enabled boolean not null default true,
    training_method text,
    base_model text,
    metadata jsonb default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index if not exists llm_models_user_id_idx on public.llm_models (user_id);
