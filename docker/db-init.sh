#!/bin/sh
# docker-compose.yml's database init: runs once, when the supabase/postgres container initializes
# an empty data directory (mounted as /docker-entrypoint-initdb.d/zz-llm-model-ids.sh, so it runs
# after the image's own migrate.sh; the postgres entrypoint runs it if executable, sources it if
# not: the work is done in a subshell either way, and a failure stops the initialization).
#
#   1. as supabase_admin (the image's superuser):
#      - authenticator gets the database password, so PostgREST can log in over the network;
#      - sql/supabase/bootstrap.sql: the roles and the auth schema exist in the image already, but
#        without the Auth service's migrations auth.uid()/auth.role() are the legacy definitions
#        that only read request.jwt.claim.sub / .role, which PostgREST >= 12 no longer sets; the
#        bootstrap (idempotent) replaces them with the current ones (request.jwt.claims first);
#   2. as postgres (the role a Supabase project's migrations run as, so it owns what they create):
#      sql/reference/llm_models.sql, sql/supabase/llm_models_rls.sql, then every file of
#      sql/migrations in name order (as `supabase db push` would);
#   3. tells PostgREST to reload its schema cache.
(
    set -eu
    sql_dir=${LLM_MODEL_IDS_SQL_DIR:-/llm-model-ids/sql}
    export PGHOST="${POSTGRES_HOST:-/var/run/postgresql}"
    export PGPORT="${POSTGRES_PORT:-5432}"
    export PGDATABASE="${POSTGRES_DB:-postgres}"
    export PGPASSWORD="${POSTGRES_PASSWORD:-}"

    run() { # run USER FILE|-c SQL...
        user=$1
        shift
        psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --quiet -U "$user" "$@"
    }

    echo "llm-model-ids: authenticator password, Supabase bootstrap (as supabase_admin)"
    # psql interpolates :'pgpass' (quoted as a literal) in what it reads, not in -c strings.
    run supabase_admin -v pgpass="$PGPASSWORD" <<'SQL'
alter role authenticator with login password :'pgpass';
SQL
    run supabase_admin -f "$sql_dir/supabase/bootstrap.sql"

    echo "llm-model-ids: reference table and RLS (as postgres)"
    run postgres -f "$sql_dir/reference/llm_models.sql"
    run postgres -f "$sql_dir/supabase/llm_models_rls.sql"

    # Name order, as the Supabase CLI applies migrations (LC_ALL=C: the glob sorts by bytes).
    export LC_ALL=C
    found=0
    for migration in "$sql_dir"/migrations/*.sql; do
        [ -f "$migration" ] || continue
        echo "llm-model-ids: migration ${migration##*/}"
        run postgres -f "$migration"
        found=$((found + 1))
    done
    if [ "$found" -eq 0 ]; then
        echo "llm-model-ids: no migration found in $sql_dir/migrations" >&2
        exit 1
    fi

    run postgres -c "notify pgrst, 'reload schema'"
    echo "llm-model-ids: done ($found migrations)"
)
