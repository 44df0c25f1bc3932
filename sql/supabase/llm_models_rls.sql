-- The app's table, Supabase side: row level security, the app's policies and the Data API grants.
-- Applied after sql/reference/llm_models.sql (and sql/supabase/bootstrap.sql on plain PostgreSQL).
-- Not a migration of llm-model-ids: like the reference DDL it exists for the demo, the tests and
-- docker-compose.yml. Idempotent (drop policy if exists / create policy; grants are set, not added).
--
-- Policies, for the role of a signed-in user (authenticated):
--   * a user reads, inserts, updates and deletes the rows whose user_id is theirs;
--   * every signed-in user also reads the rows marked is_global (shared models).
-- The two read rules are one policy: two permissive SELECT policies for one role are evaluated
-- for every row (the Supabase advisor's multiple_permissive_policies warning).
-- auth.uid() is wrapped in a scalar subquery, "(select auth.uid())", so it runs once per statement
-- (an initPlan), not once per row (the advisor's auth_rls_initplan warning).
-- service_role has BYPASSRLS and needs no policy.

alter table public.llm_models enable row level security;

drop policy if exists "llm_models: read own or global" on public.llm_models;
create policy "llm_models: read own or global"
    on public.llm_models
    for select
    to authenticated
    using (user_id = (select auth.uid()) or is_global);

drop policy if exists "llm_models: insert own" on public.llm_models;
create policy "llm_models: insert own"
    on public.llm_models
    for insert
    to authenticated
    with check (user_id = (select auth.uid()));

drop policy if exists "llm_models: update own" on public.llm_models;
create policy "llm_models: update own"
    on public.llm_models
    for update
    to authenticated
    using (user_id = (select auth.uid()))
    with check (user_id = (select auth.uid()));

drop policy if exists "llm_models: delete own" on public.llm_models;
create policy "llm_models: delete own"
    on public.llm_models
    for delete
    to authenticated
    using (user_id = (select auth.uid()));

-- Grants, as a Supabase project that grants explicitly has them (new projects since 2026 no longer
-- grant new tables in public to the API roles by default; older projects and the supabase/postgres
-- image still do, through default privileges, hence the revoke first: the result is the same
-- everywhere). authenticated: the app's signed-in users, under the policies above. service_role:
-- the app's server side (the deploy route), which bypasses RLS.
-- anon gets nothing: the model registry is only shown to signed-in users, and every policy is
-- "to authenticated", so a grant to anon could only ever return zero rows. Without it an anonymous
-- request is refused outright (permission denied for table llm_models, SQLSTATE 42501) and the
-- table stays out of the anonymous OpenAPI description. No sequence grants are needed: the
-- primary key is a uuid default.
revoke all on table public.llm_models from anon, authenticated, service_role;
grant select, insert, update, delete on table public.llm_models to authenticated, service_role;
