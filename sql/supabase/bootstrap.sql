-- Supabase-compatibility bootstrap for plain PostgreSQL (tests, demo, docker-compose.yml).
--
-- What a Supabase database has that the app's table, its RLS policies and llm-model-ids rely on:
--   * the API roles: anon and authenticated (NOLOGIN), service_role (NOLOGIN, BYPASSRLS), and
--     authenticator (LOGIN, NOINHERIT), the role PostgREST logs in as and switches from;
--   * schema auth with auth.uid(), auth.role(), auth.email() and auth.jwt(), defined as Supabase
--     Auth defines them (supabase/auth migrations/20240624145325_recreate_auth_functions.up.sql):
--     they read request.jwt.claims (the JSON PostgREST >= 9 sets) and fall back to the older
--     per-claim settings request.jwt.claim.sub / .role / .email (request.jwt.claim for jwt());
--   * usage on schemas public and auth for the API roles (supabase/postgres
--     migrations/db/init-scripts/00000000000000-initial-schema.sql and ...01-auth-schema.sql).
-- Deliberately not here: Supabase's old default privileges that granted every new table in public
-- to the API roles (off for new projects since 2026); sql/supabase/llm_models_rls.sql grants
-- explicitly.
--
-- Idempotent: safe to run twice, and on a server where the roles already exist (roles are
-- cluster-global and several test databases share one server, possibly bootstrapping at the same
-- time). Run as a superuser. On the supabase/postgres image (docker/db-init.sh) it runs as
-- supabase_admin: the roles are there already, and the auth functions are brought to the current
-- definitions (without the Auth service's migrations the image keeps the legacy ones that read only
-- request.jwt.claim.sub, which PostgREST >= 12 no longer sets).

-- Roles, their attributes, memberships and settings. Each change is made only where it is missing,
-- so a second run, or a run on a server where the roles exist, changes nothing. Creating a role that
-- a concurrent session has just created fails with duplicate_object (or unique_violation on the
-- catalog index): either way the role exists, which is what we want.
do $roles$
declare
    v_role text;
begin
    foreach v_role in array array['anon', 'authenticated', 'service_role', 'authenticator'] loop
        if not exists (select 1 from pg_catalog.pg_roles where rolname = v_role) then
            begin
                execute pg_catalog.format('create role %I nologin', v_role);
            exception
                when duplicate_object or unique_violation then
                    null;
            end;
        end if;
    end loop;

    -- The API roles never log in and inherit (as on Supabase since 2023); service_role bypasses
    -- RLS. authenticator logs in and must not inherit: it has no privilege of its own until
    -- PostgREST sets the role of the request.
    foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
        if exists (select 1 from pg_catalog.pg_roles
                    where rolname = v_role and (rolcanlogin or not rolinherit)) then
            execute pg_catalog.format('alter role %I nologin inherit', v_role);
        end if;
    end loop;
    if not (select rolbypassrls from pg_catalog.pg_roles where rolname = 'service_role') then
        alter role service_role bypassrls;
    end if;
    if exists (select 1 from pg_catalog.pg_roles
                where rolname = 'authenticator' and (not rolcanlogin or rolinherit)) then
        alter role authenticator login noinherit;
    end if;

    -- PostgREST switches from authenticator to the role of the request's JWT.
    foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
        if not exists (select 1
                         from pg_catalog.pg_auth_members m
                        where m.roleid = (select oid from pg_catalog.pg_roles where rolname = v_role)
                          and m.member = (select oid from pg_catalog.pg_roles
                                           where rolname = 'authenticator')) then
            begin
                execute pg_catalog.format('grant %I to authenticator', v_role);
            exception
                when duplicate_object or unique_violation then
                    null;
            end;
        end if;
    end loop;

    -- The statement timeouts Supabase gives the API roles. PostgREST applies an impersonated
    -- role's settings in each request's transaction (tests/postgrest.py does the same).
    if not exists (select 1 from pg_catalog.pg_roles
                    where rolname = 'anon' and 'statement_timeout=3s' = any (rolconfig)) then
        alter role anon set statement_timeout = '3s';
    end if;
    if not exists (select 1 from pg_catalog.pg_roles
                    where rolname = 'authenticated' and 'statement_timeout=8s' = any (rolconfig)) then
        alter role authenticated set statement_timeout = '8s';
    end if;
end
$roles$;

grant usage on schema public to anon, authenticated, service_role;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- Gets the user id (the JWT's sub claim) of the current request.
create or replace function auth.uid()
    returns uuid
    set search_path to ''
as $func$
    select
        coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
$func$ language sql stable;

-- Gets the role claim of the current request (anon, authenticated, service_role).
create or replace function auth.role()
    returns text
    set search_path to ''
as $func$
    select
        coalesce(
            nullif(current_setting('request.jwt.claim.role', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
$func$ language sql stable;

-- Gets the email claim of the current request.
create or replace function auth.email()
    returns text
    set search_path to ''
as $func$
    select
        coalesce(
            nullif(current_setting('request.jwt.claim.email', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
        )::text
$func$ language sql stable;

-- Gets all the claims of the current request's JWT.
create or replace function auth.jwt()
    returns jsonb
    set search_path to ''
as $func$
    select
        coalesce(
            nullif(current_setting('request.jwt.claim', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
$func$ language sql stable;

comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

-- Functions are executable by PUBLIC by default; said explicitly for the API roles, as the
-- policies call them as the request's role.
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
    to anon, authenticated, service_role;
