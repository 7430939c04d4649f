#!/usr/bin/env bash
# Checks schema-pg.sql on a throwaway PostgreSQL 15 server (a Unix socket in a temporary
# directory, no TCP), side by side with schema.sql on SQLite when the sqlite3 shell is
# there:
#   - the blocks apply one by one, each in its own transaction, after schema-pg-meta.sql;
#   - rows written between blocks 3 and 4 come out of the data migrations of blocks 4-13
#     the same on both;
#   - tables, columns, types, defaults, keys, indexes and triggers match schema.sql;
#   - every rule the triggers enforce refuses what it should with SQLSTATE 23001 and
#     SQLite's message, and the program's own writes (its SQL, with ?N as $N) still work;
#   - after all of that, both databases hold the same rows.
# Usage: tests/pg/check-schema.sh   (PG_BIN=/path/to/pg/bin to use another PostgreSQL)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pg_schema=$root/schema-pg.sql
pg_meta=$root/schema-pg-meta.sql
lite_schema=$root/schema.sql
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

tmp=$(mktemp -d)
server_up=0
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb and postgres refuse to run as root.
  as_server=(runuser -u postgres --)
  chown postgres: "$tmp"
fi

# shellcheck disable=SC2317 # called by the EXIT trap only
cleanup() {
  local rc=$?
  if [ "$server_up" -eq 1 ]; then
    "${as_server[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT

passed=0
failed=0
failures=()
pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  failures+=("$1")
  printf 'FAIL: %s\n' "$1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/      /'; fi
}
# The summary, and the exit status: non-zero after any failure.
finish() {
  echo
  echo "PostgreSQL schema: $passed passed, $failed failed${1:+ ($1)}"
  if [ "$failed" -gt 0 ]; then
    printf '  failed: %s\n' "${failures[@]}"
    exit 1
  fi
  exit 0
}
# A failure the rest cannot run after.
abort() {
  fail "$1" "${2:-}"
  finish "stopped there"
}

have_sqlite=0
if command -v sqlite3 >/dev/null 2>&1; then have_sqlite=1; fi
lite_db=$tmp/lite.db

# psql on the test database: unaligned, fields split by |, errors with their SQLSTATE.
pg() {
  PGCLIENTENCODING=UTF8 "$pg_bin/psql" -X -q -At -F '|' -v ON_ERROR_STOP=1 \
    -v VERBOSITY=verbose -h "$tmp" -U postgres -d collagenda "$@"
}
# The sqlite3 shell on the reference database, set up as the program sets up a connection.
lite() {
  { printf 'PRAGMA foreign_keys = ON;\nPRAGMA recursive_triggers = ON;\n'; cat; } |
    sqlite3 -bail -batch -list -separator '|' "$lite_db"
}

# ---- the server ----
"${as_server[@]}" "$pg_bin/initdb" -D "$tmp/data" --locale=C -E UTF8 -A trust -U postgres \
  >"$tmp/initdb.log" 2>&1 || abort "initdb" "$(cat "$tmp/initdb.log")"
"${as_server[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-k $tmp -c listen_addresses=''" start >/dev/null 2>&1 ||
  abort "the server does not start" "$(cat "$tmp/server.log")"
server_up=1
# The database's own default collation is ICU's en-US where the server has ICU, so that
# byte order in the checks below comes from the columns' COLLATE "C", not from initdb.
if pg -d postgres -c "CREATE DATABASE collagenda TEMPLATE template0 LOCALE_PROVIDER icu \
    ICU_LOCALE 'en-US' LOCALE 'C'" 2>/dev/null; then
  echo "database: default collation ICU en-US; columns must bring their own"
else
  pg -d postgres -c "CREATE DATABASE collagenda"
  echo "database: default collation C (no ICU)"
fi

# ---- the blocks ----
# Splits a schema on its block markers into DIR/N.sql, listing the numbers in DIR/list.
split_blocks() {
  mkdir -p "$2"
  : >"$2/list"
  awk -v dir="$2" '
    /^-- version [0-9]+[ \t]*$/ { n = $3; file = dir "/" n ".sql"; print n >> (dir "/list"); next }
    file != "" { print >> file }' "$1"
}
split_blocks "$pg_schema" "$tmp/pg"
mapfile -t pg_blocks <"$tmp/pg/list"
# migrate.c finds a block at any "-- version " in the text, not only at a line's start.
markers=$(grep -o -- '-- version ' "$pg_schema" | wc -l)
if [ "$markers" -ne "${#pg_blocks[@]}" ]; then
  fail "schema-pg.sql: $markers marker texts but ${#pg_blocks[@]} marker lines"
else pass; fi
expect_n=1
for n in "${pg_blocks[@]}"; do
  if [ "$n" -ne "$expect_n" ]; then fail "schema-pg.sql: block $n where $expect_n was due"; fi
  expect_n=$((n + 1))
done
if [ "$have_sqlite" -eq 1 ]; then
  split_blocks "$lite_schema" "$tmp/lite"
  mapfile -t lite_blocks <"$tmp/lite/list"
  if [ "${pg_blocks[*]}" != "${lite_blocks[*]}" ]; then
    fail "blocks differ: schema-pg.sql has ${pg_blocks[*]}, schema.sql ${lite_blocks[*]}"
  else pass; fi
fi

if grep -q -- '-- version ' "$pg_meta"; then fail "schema-pg-meta.sql holds a block marker"; fi
out=$(pg <"$pg_meta" 2>&1 && pg <"$pg_meta" 2>&1 &&
  pg -c "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)" 2>&1) ||
  abort "schema-pg-meta.sql (applied twice, as on every start)" "$out"

apply_pg() {
  local n=$1 out
  if out=$({
    echo 'BEGIN;'
    echo 'SELECT version FROM schema_version FOR UPDATE;'
    cat "$tmp/pg/$n.sql"
    echo "UPDATE schema_version SET version = $n;"
    echo 'COMMIT;'
  } | pg -o /dev/null 2>&1); then
    pass
  else
    abort "PostgreSQL: block $n does not apply" "$out"
  fi
}
apply_lite() {
  local n=$1 out
  if out=$({
    echo 'BEGIN IMMEDIATE;'
    cat "$tmp/lite/$n.sql"
    echo "PRAGMA user_version = $n;"
    echo 'COMMIT;'
  } | lite 2>&1); then
    pass
  else
    abort "SQLite: block $n does not apply" "$out"
  fi
}

T=1771000000 # 2026-02-13, the seed's time
D=86400
# Rows as the program would have left them at version 3, in SQL both engines take.
seed_sql() {
  cat <<SQL
INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES
  (1, 'admin', 'Admin', 'admin', 'x', $T),
  (2, 'prac', 'Dr Prac', 'practitioner', 'x', $T),
  (3, 'desk', 'Front Desk', 'front_desk', 'x', $T);
INSERT INTO rooms (id, name) VALUES (1, 'Room 1'), (2, 'Room 2');
INSERT INTO availability (practitioner_id, weekday, start_min, end_min) VALUES (2, 1, 540, 1020);
INSERT INTO time_off (practitioner_id, start_at, end_at, reason, created_by)
  VALUES (2, $((T + 5 * D)), $((T + 6 * D)), 'course', 1);
INSERT INTO login_failures (at, username, remote) VALUES ($T, 'prac', '10.0.0.9');
INSERT INTO patients (id, mrn, first_name, last_name, first_key, last_key, date_of_birth,
  phone, phone_rev, created_at, updated_at) VALUES
  (1, 'C-000001', 'Ana', 'Lopez', 'ana', 'lopez', '1985-03-14', '555 0101', '10105550', $T, $T),
  (2, 'C-000002', 'Ben', 'Cole', 'ben', 'cole', '1981-01-01', NULL, NULL, $T, $T),
  (3, 'C-000003', 'Émile', 'Zola', 'émile', 'zola', '1970-04-02', NULL, NULL, $T, $T),
  (4, 'C-000004', 'Zed', 'Adams', 'Zed', 'adams', '1990-12-31', NULL, NULL, $T, $T);
INSERT INTO screenings (id, patient_id, recorded_at, recorded_by, notes) VALUES
  (1, 1, $T, 2, 'first'), (2, 1, $((T + D)), 2, NULL);
INSERT INTO screening_conditions (screening_id, condition) VALUES (1, 'pregnant'), (1, 'sunburn');
INSERT INTO clearances (screening_id, condition, cleared_by, cleared_at, note)
  VALUES (1, 'pregnant', 'Dr Obst', $T, 'cleared');
INSERT INTO consents (id, patient_id, treatment_type, form_version, signed_name, signed_at,
  recorded_by) VALUES (1, 1, 'MN', 'v1', 'Ana Lopez', $T, 2);
-- Plans, each a different case for the progress columns of block 4.
INSERT INTO plans (id, patient_id, treatment_type, indication, planned_sessions,
  min_interval_days, max_interval_days, practitioner_id, status, created_at, created_by,
  updated_at) VALUES
  (1, 1, 'MN', 'fine_lines', 3, 28, 42, 2, 'active', $T, 1, $T),
  (2, 1, 'MN_PRP', 'scars', 3, 28, 42, 2, 'active', $T, 1, $T),
  (3, 2, 'PRP', 'pores', 2, 30, 60, 2, 'active', $T, 1, $T),
  (4, 2, 'MN', 'scars', 3, 28, 42, 2, 'on_hold', $T, 1, $T),
  (5, 1, 'MN', 'rejuvenation', 3, 28, 42, 2, 'active', $T, 1, $T),
  (6, 3, 'MN', 'acne_scars', 4, 21, 42, 2, 'active', $T, 1, $T);
INSERT INTO plan_areas (plan_id, area) VALUES (1, 'cheeks'), (1, 'forehead'), (6, 'neck');
INSERT INTO appointments (id, patient_id, plan_id, session_number, kind, practitioner_id,
  room_id, start_at, end_at, status, created_at, created_by, updated_at) VALUES
  (9, 2, 4, 2, 'treatment', 2, 2, $((T + 3 * D)), $((T + 3 * D + 3600)), 'checked_in', $T, 1, $T),
  (10, 1, 1, 1, 'treatment', 2, 1, $T, $((T + 3600)), 'completed', $T, 1, $T),
  (11, 1, 1, NULL, 'treatment', 2, 1, $((T + 40 * D)), $((T + 40 * D + 3600)), 'cancelled', $T, 1, $T),
  (12, 1, 2, 1, 'treatment', 2, 1, $((T + D)), $((T + D + 3600)), 'completed', $T, 1, $T),
  (13, 1, 2, 2, 'treatment', 2, 1, $((T + 30 * D)), $((T + 30 * D + 3600)), 'booked', $T, 1, $T),
  (14, 2, 3, 1, 'treatment', 2, 2, $T, $((T + 3600)), 'completed', $T, 1, $T),
  (15, 2, 3, 2, 'treatment', 2, 2, $((T + 30 * D)), $((T + 30 * D + 3600)), 'completed', $T, 1, $T),
  (16, 2, 4, 1, 'treatment', 2, 2, $((T + 2 * D)), $((T + 2 * D + 3600)), 'completed', $T, 1, $T),
  (17, 3, 6, 1, 'treatment', 2, 1, $((T + 3 * D)), $((T + 3 * D + 3600)), 'completed', $T, 1, $T),
  (18, 3, 6, NULL, 'treatment', 2, 1, $((T + 50 * D)), $((T + 50 * D + 3600)), 'no_show', $T, 1, $T),
  (19, 3, 6, 2, 'treatment', 2, 1, $((T + 25 * D)), $((T + 25 * D + 3600)), 'completed', $T, 1, $T),
  (20, 2, NULL, NULL, 'consultation', 2, 2, $((T + 4 * D)), $((T + 4 * D + 1800)), 'checked_in', $T, 1, $T);
-- Appointment 10's record is signed, 12's a draft with rows, 14's a bare draft.
INSERT INTO session_records (appointment_id, screening_confirmed_at, consent_id, device,
  cartridge_lot, created_at, updated_at, updated_by) VALUES
  (10, $T, 1, 'pen', 'LOT-1', $T, $T, 2),
  (12, $T, NULL, 'roller', 'LOT-2', $T, $T, 2),
  (14, NULL, NULL, NULL, NULL, $T, $T, 2);
INSERT INTO session_areas (appointment_id, position, area, depth_hmm) VALUES
  (10, 0, 'cheeks', 135), (10, 1, 'forehead', 50), (12, 0, 'neck', 100);
INSERT INTO session_products (appointment_id, position, name) VALUES
  (10, 0, 'Hyaluronic serum'), (12, 0, 'Growth factor');
INSERT INTO session_reactions (appointment_id, position, type, severity) VALUES
  (10, 0, 'redness', 1), (12, 0, 'swelling', 2);
INSERT INTO session_addenda (id, appointment_id, author, at, text) VALUES
  (1, 10, 2, $((T + 100)), 'first note');
UPDATE session_records SET status = 'signed', signed_by = 2, signed_at = $((T + 3000))
  WHERE appointment_id = 10;
INSERT INTO audit (id, at, user_id, action, entity, entity_id, remote, detail, prev_hash, hash)
  VALUES (1, $T, 1, 'create', 'patient', 1, 'local', '', 'genesis', 'h1'),
         (2, $T, 1, 'create', 'plan', 1, 'local', '', 'h1', 'h2');
SQL
}

for n in "${pg_blocks[@]}"; do
  apply_pg "$n"
  if [ "$have_sqlite" -eq 1 ]; then apply_lite "$n"; fi
  if [ "$n" -eq 3 ]; then
    if out=$(seed_sql | pg 2>&1); then pass; else abort "PostgreSQL: the seed rows" "$out"; fi
    if [ "$have_sqlite" -eq 1 ]; then
      if out=$(seed_sql | lite 2>&1); then pass; else abort "SQLite: the seed rows" "$out"; fi
    fi
  fi
done
last=${pg_blocks[${#pg_blocks[@]} - 1]}
if [ "$(pg -c 'SELECT version FROM schema_version')" = "$last" ] &&
  [ "$(pg -c 'SELECT count(*) FROM schema_version')" = 1 ]; then
  pass
else fail "schema_version does not hold one row with $last"; fi
echo "applied schema-pg.sql blocks ${pg_blocks[*]}"

# The seed's explicit ids leave the identity sequences behind: move each past its
# table's largest id, as any copy of existing rows into these tables must.
pg <<'SQL'
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND is_identity = 'YES' LOOP
    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) FROM %I',
                   c.table_name, c.column_name, c.column_name, c.table_name);
  END LOOP;
END
$$;
SQL

# ---- the same shape as schema.sql ----
# Each query prints one line per fact, sorted; the SQLite side maps INTEGER to bigint,
# TEXT to text and BLOB to bytea.
compare_shape() {
  local what=$1 pg_sql=$2 lite_sql=$3 a b
  a=$(pg -c "$pg_sql" | LC_ALL=C sort)
  b=$(lite <<<"$lite_sql" | LC_ALL=C sort)
  if [ "$a" = "$b" ]; then pass; else
    fail "$what differ from schema.sql (< PostgreSQL, > SQLite)" \
      "$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") || true)"
  fi
}
if [ "$have_sqlite" -eq 1 ]; then
  compare_shape "tables and columns (name, position, type, not null, default)" "
    SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
           a.attnotnull::int,
           coalesce(regexp_replace(pg_get_expr(d.adbin, d.adrelid), '::(text|bigint)$', ''), '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_version'" "
    SELECT m.name, p.cid + 1, p.name,
           CASE p.type WHEN 'INTEGER' THEN 'bigint' WHEN 'TEXT' THEN 'text'
                       WHEN 'BLOB' THEN 'bytea' ELSE p.type END,
           (p.\"notnull\" OR p.pk > 0), coalesce(p.dflt_value, '')
    FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table';"
  compare_shape "primary keys" "
    SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.i)
    FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
    CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, i)
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE p.contype = 'p' AND p.connamespace = current_schema()::regnamespace
    GROUP BY c.relname" "
    SELECT t.name, (SELECT group_concat(name, ',') FROM
                     (SELECT name FROM pragma_table_info(t.name) WHERE pk > 0 ORDER BY pk))
    FROM sqlite_schema t WHERE t.type = 'table'
      AND EXISTS (SELECT 1 FROM pragma_table_info(t.name) WHERE pk > 0);"
  compare_shape "unique constraints" "
    SELECT c.relname, string_agg(a.attname, ',' ORDER BY k.i)
    FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
    CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, i)
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE p.contype = 'u' AND p.connamespace = current_schema()::regnamespace
    GROUP BY p.oid, c.relname" "
    SELECT t.name, (SELECT group_concat(name, ',') FROM
                     (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
    FROM sqlite_schema t JOIN pragma_index_list(t.name) l
    WHERE t.type = 'table' AND l.origin = 'u';"
  compare_shape "foreign keys" "
    SELECT c.relname, a.attname, r.relname, ra.attname
    FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
    JOIN pg_class r ON r.oid = p.confrelid
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.conkey[1]
    JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = p.confkey[1]
    WHERE p.contype = 'f' AND p.connamespace = current_schema()::regnamespace" "
    SELECT t.name, f.\"from\", f.\"table\", f.\"to\"
    FROM sqlite_schema t JOIN pragma_foreign_key_list(t.name) f WHERE t.type = 'table';"
  compare_shape "indexes (name, table, columns, unique, predicate)" "
    SELECT ic.relname, c.relname,
           (SELECT string_agg(a.attname, ',' ORDER BY k.i)
            FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, i)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum),
           i.indisunique::int,
           coalesce(regexp_replace(pg_get_expr(i.indpred, i.indrelid), '^\((.*)\)\$', '\1'), '')
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = current_schema()::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conindid = i.indexrelid)" "
    SELECT m.name, m.tbl_name,
           (SELECT group_concat(name, ',') FROM
             (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)),
           (SELECT \"unique\" FROM pragma_index_list(m.tbl_name) l WHERE l.name = m.name),
           CASE WHEN instr(m.sql, ' WHERE ') > 0
                THEN substr(m.sql, instr(m.sql, ' WHERE ') + 7) ELSE '' END
    FROM sqlite_schema m WHERE m.type = 'index' AND m.sql IS NOT NULL;"
  # Every SQLite trigger has its namesake on the same table (PostgreSQL adds TRUNCATE ones).
  a=$(pg -c "SELECT tgrelid::regclass || '|' || tgname FROM pg_trigger WHERE NOT tgisinternal" |
    LC_ALL=C sort)
  b=$(lite <<<"SELECT tbl_name || '|' || name FROM sqlite_schema WHERE type = 'trigger';" |
    LC_ALL=C sort)
  missing=$(LC_ALL=C comm -13 <(printf '%s\n' "$a") <(printf '%s\n' "$b"))
  if [ -z "$missing" ]; then pass; else fail "triggers missing on PostgreSQL" "$missing"; fi
fi
expect_none() {
  local what=$1 sql=$2 out
  out=$(pg -c "$sql")
  if [ -z "$out" ]; then pass; else fail "$what" "$out"; fi
}
expect_none "text columns without COLLATE \"C\"" "
  SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_collation l ON l.oid = a.attcollation
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0
    AND NOT a.attisdropped AND a.atttypid = 'text'::regtype AND l.collname IS DISTINCT FROM 'C'"
expect_none "columns neither bigint, text nor bytea" "
  SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
  WHERE table_schema = current_schema() AND data_type NOT IN ('bigint', 'text', 'bytea')"
# Identity: every INTEGER PRIMARY KEY id, and not session_records, keyed by its appointment.
want_identity="appointments.id audit.id availability.id clearances.id consents.id login_failures.id messages.id patient_contact_changes.id patients.id photo_consents.id photos.id plans.id rooms.id screenings.id session_addenda.id time_off.id users.id"
got_identity=$(pg -c "SELECT string_agg(table_name || '.' || column_name, ' '
    ORDER BY table_name || '.' || column_name)
  FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'
    AND identity_generation = 'BY DEFAULT'")
if [ "$got_identity" = "$want_identity" ]; then pass; else
  fail "identity columns" "want: $want_identity"$'\n'"got:  $got_identity"
fi

# ---- the data migrations: blocks 4-13 over the seed ----
same() {
  local what=$1 sql=$2 a b
  a=$(pg -c "$sql" 2>&1) || {
    fail "$what: PostgreSQL" "$a"
    return
  }
  if [ "$have_sqlite" -eq 0 ]; then
    pass
    return
  fi
  b=$(lite <<<"$sql;" 2>&1) || {
    fail "$what: SQLite" "$b"
    return
  }
  if [ "$a" = "$b" ]; then pass; else
    fail "$what (< PostgreSQL, > SQLite)" "$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") || true)"
  fi
}
pg_equals() {
  local what=$1 want=$2 sql=$3 got
  got=$(pg -c "$sql" 2>&1) || true
  if [ "$got" = "$want" ]; then pass; else fail "$what" "want: $want"$'\n'"got:  $got"; fi
}
same "block 4: plan progress" \
  "SELECT id, holding, completed, pending, last_start, next_due_at FROM plans ORDER BY id"
pg_equals "block 4: plan progress, by hand" \
  "1|1|1|0|$T|$((T + 28 * D))
2|2|1|1|$((T + 30 * D))|
3|2|2|0|$((T + 30 * D))|
4|2|1|1|$((T + 3 * D))|
5|0|0|0||
6|2|2|0|$((T + 25 * D))|$((T + 25 * D + 21 * D))" \
  "SELECT id, holding, completed, pending, last_start, next_due_at FROM plans ORDER BY id"
same "block 9: appointment labels" \
  "SELECT id, patient_first_name, patient_last_name, patient_mrn, plan_treatment_type,
     plan_planned_sessions FROM appointments ORDER BY id"
same "block 11: new columns on old rows" \
  "SELECT 'login_failures', id, user_cleared FROM login_failures
   UNION ALL SELECT 'treatment_types', NULL, max_sessions FROM treatment_types
   UNION ALL SELECT 'plans', count(*), NULL FROM plans WHERE override_reason IS NULL
   ORDER BY 1, 2, 3"
same "block 13: rooms and treatment types are for treatments, no status change has an author" \
  "SELECT 'rooms', id, kind FROM rooms
   UNION ALL SELECT 'treatment_types', NULL, code || ':' || room_kind FROM treatment_types
   UNION ALL SELECT 'appointments', count(*), NULL FROM appointments
     WHERE status_changed_at IS NULL AND status_changed_by IS NULL
   ORDER BY 1, 2, 3"

# ---- rules and writes ----
# Each check runs one piece of SQL on both engines (PostgreSQL alone for pg_*): it must
# succeed, or be refused by a trigger (SQLSTATE 23001 and the message on PostgreSQL, the
# message on SQLite), or be rejected by a constraint (the SQLSTATE given).
run_check() { # what expect pg_input lite_input(or -)
  local what=$1 expect=$2 pg_in=$3 lite_in=$4 out
  if out=$(pg <<<"$pg_in" 2>&1); then
    case $expect in
      ok) pass ;;
      =*) if [ "$out" = "${expect#=}" ]; then pass; else
        fail "$what: PostgreSQL gave '$out', not '${expect#=}'"
      fi ;;
      *) fail "$what: PostgreSQL allowed it" ;;
    esac
  else
    case $expect in
      refuse:*) if grep -qF "ERROR:  23001: ${expect#refuse:}" <<<"$out"; then pass; else
        fail "$what: PostgreSQL failed, not with 23001 '${expect#refuse:}'" "$out"
      fi ;;
      reject:*) if grep -qF "ERROR:  ${expect#reject:}:" <<<"$out"; then pass; else
        fail "$what: PostgreSQL failed, not with ${expect#reject:}" "$out"
      fi ;;
      *) fail "$what: PostgreSQL" "$out" ;;
    esac
  fi
  if [ "$lite_in" = - ] || [ "$have_sqlite" -eq 0 ]; then return; fi
  if out=$(lite <<<"$lite_in" 2>&1); then
    case $expect in
      ok) pass ;;
      =*) if [ "$out" = "${expect#=}" ]; then pass; else
        fail "$what: SQLite gave '$out', not '${expect#=}'"
      fi ;;
      *) fail "$what: SQLite allowed it (the check is wrong)" ;;
    esac
  else
    case $expect in
      refuse:*) if grep -qF "${expect#refuse:}" <<<"$out"; then pass; else
        fail "$what: SQLite failed otherwise" "$out"
      fi ;;
      reject:*) pass ;;
      *) fail "$what: SQLite (the check is wrong)" "$out" ;;
    esac
  fi
}
both() { run_check "$1" "$2" "$3;" "$3;"; }
pg_only() { run_check "$1" "$2" "$3;" -; }
# The program's own statement (as in src/store, ?N placeholders) with SQL literals for its
# parameters: PREPAREd and EXECUTEd on PostgreSQL, bound by the sqlite3 shell on SQLite. An
# expectation of id=N reads the new row's id as the program will (lastval(); SQLite's
# last_insert_rowid()).
program() { # what expect sql literal...
  local what=$1 expect=$2 sql=$3 pg_sql lite_in="" pg_tail="" lite_tail="" i=1 args="" v
  shift 3
  # shellcheck disable=SC2016 # $\1 is sed's text, not the shell's
  pg_sql=$(sed -E 's/\?([0-9]+)/$\1/g' <<<"$sql")
  for v in "$@"; do
    args+="${args:+, }$v"
    lite_in+=".parameter set ?$i \"$v\""$'\n'
    i=$((i + 1))
  done
  if [[ $expect == id=* ]]; then
    pg_tail=$'\nSELECT lastval();'
    lite_tail=$'\nSELECT last_insert_rowid();'
    expect="=${expect#id=}"
  fi
  run_check "$what" "$expect" "PREPARE p AS $pg_sql;
EXECUTE p($args);$pg_tail" "$lite_in$sql;$lite_tail"
}

A='a signed session record never changes'

# The audit trail: appended, never changed or removed, REPLACE or upsert included.
both "audit: update" "refuse:the audit trail is append-only" \
  "UPDATE audit SET detail = 'x' WHERE id = 1"
both "audit: update of every row" "refuse:the audit trail is append-only" \
  "UPDATE audit SET hash = hash"
both "audit: delete" "refuse:the audit trail is append-only" "DELETE FROM audit WHERE id = 2"
both "audit: delete all" "refuse:the audit trail is append-only" "DELETE FROM audit"
both "audit: upsert over an event" "refuse:the audit trail is append-only" \
  "INSERT INTO audit (id, at, action, entity, remote, prev_hash, hash)
   VALUES (1, 0, 'x', 'y', 'z', 'p', 'h') ON CONFLICT (id) DO UPDATE SET detail = 'forged'"
pg_only "audit: truncate" "refuse:the audit trail is append-only" "TRUNCATE audit"
pg_only "audit: truncate with others" "refuse:the audit trail is append-only" \
  "TRUNCATE login_failures, audit"
# src/store/audit.c sql_insert: the program numbers events itself.
program "audit: append (store_audit_append)" ok \
  "INSERT INTO audit (id, at, user_id, action, entity, entity_id, remote, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" \
  3 $T NULL "'read'" "'patient'" 1 "'10.0.0.1'" "''" "'h2'" "'h3'"
both "audit: an id taken" "reject:23505" \
  "INSERT INTO audit (id, at, action, entity, remote, prev_hash, hash)
   VALUES (3, 0, 'x', 'y', 'z', 'p', 'h')"

# Patients, plans, appointments, session records: never deleted.
both "patients: delete" "refuse:patients are archived, never deleted" \
  "DELETE FROM patients WHERE id = 4"
both "patients: delete of no row" ok "DELETE FROM patients WHERE id = 999"
pg_only "patients: truncate" "refuse:patients are archived, never deleted" \
  "TRUNCATE patients CASCADE"
both "plans: delete" "refuse:plans are cancelled, never deleted" "DELETE FROM plans WHERE id = 5"
pg_only "plans: truncate" "refuse:plans are cancelled, never deleted" "TRUNCATE plans CASCADE"
both "appointments: delete" "refuse:appointments are cancelled, never deleted" \
  "DELETE FROM appointments WHERE id = 20"
both "appointments: delete all" "refuse:appointments are cancelled, never deleted" \
  "DELETE FROM appointments"
pg_only "appointments: truncate" "refuse:appointments are cancelled, never deleted" \
  "TRUNCATE appointments CASCADE"
both "session records: delete a draft" "refuse:session records are never deleted" \
  "DELETE FROM session_records WHERE appointment_id = 14"
pg_only "session records: truncate" "refuse:session records are never deleted" \
  "TRUNCATE session_records CASCADE"
pg_only "truncate where no rule applies" ok "BEGIN; TRUNCATE login_failures; ROLLBACK"

# A signed record: the record, whatever the column, even to the same value or back to draft.
both "signed record: a column" "refuse:$A" \
  "UPDATE session_records SET cartridge_lot = 'OTHER' WHERE appointment_id = 10"
both "signed record: same value" "refuse:$A" \
  "UPDATE session_records SET notes = notes WHERE appointment_id = 10"
both "signed record: back to draft" "refuse:$A" \
  "UPDATE session_records SET status = 'draft' WHERE appointment_id = 10"
both "signed record: every record" "refuse:$A" \
  "UPDATE session_records SET updated_at = updated_at + 1"
both "signed record: delete" "refuse:session records are never deleted" \
  "DELETE FROM session_records WHERE appointment_id = 10"
# Its areas, products and reactions.
for t in areas products reactions; do
  case $t in
    areas) cols="appointment_id, position, area, depth_hmm" vals="10, 5, 'nose', 80" upd="depth_hmm = 150" ;;
    products) cols="appointment_id, position, name" vals="10, 5, 'y'" upd="name = 'x'" ;;
    reactions) cols="appointment_id, position, type, severity" vals="10, 5, 'itch', 2" upd="severity = 3" ;;
  esac
  both "signed record: insert into session_$t" "refuse:$A" \
    "INSERT INTO session_$t ($cols) VALUES ($vals)"
  both "signed record: update session_$t" "refuse:$A" \
    "UPDATE session_$t SET $upd WHERE appointment_id = 10"
  both "signed record: delete from session_$t" "refuse:$A" \
    "DELETE FROM session_$t WHERE appointment_id = 10"
  both "signed record: delete all of session_$t" "refuse:$A" "DELETE FROM session_$t"
  both "signed record: upsert over session_$t" "refuse:$A" \
    "INSERT INTO session_$t ($cols) VALUES (${vals/5/0}) ON CONFLICT (appointment_id, position)
     DO UPDATE SET appointment_id = excluded.appointment_id"
  pg_only "signed record: truncate session_$t" "refuse:$A" "TRUNCATE session_$t"
done
both "draft row: update" ok \
  "UPDATE session_products SET name = 'Growth factor+' WHERE appointment_id = 12"
# src/store/sessions.c store_record_put on the signed record: the upsert is refused.
sql_put="INSERT INTO session_records (appointment_id, status, screening_confirmed_at, caution_reviewed, consent_id, numbing_product, numbing_applied_at, numbing_removed_at, device, device_model, cartridge_lot, prp_blood_ml10, prp_spin_minutes, prp_spin_rcf, prp_ml10, prp_route, prp_kit_lot, endpoint, aftercare_given, notes, created_at, updated_at, updated_by) VALUES (?1, 'draft', ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20) ON CONFLICT (appointment_id) DO UPDATE SET screening_confirmed_at = excluded.screening_confirmed_at, caution_reviewed = excluded.caution_reviewed, numbing_product = excluded.numbing_product, numbing_applied_at = excluded.numbing_applied_at, numbing_removed_at = excluded.numbing_removed_at, device = excluded.device, device_model = excluded.device_model, cartridge_lot = excluded.cartridge_lot, prp_blood_ml10 = excluded.prp_blood_ml10, prp_spin_minutes = excluded.prp_spin_minutes, prp_spin_rcf = excluded.prp_spin_rcf, prp_ml10 = excluded.prp_ml10, prp_route = excluded.prp_route, prp_kit_lot = excluded.prp_kit_lot, endpoint = excluded.endpoint, aftercare_given = excluded.aftercare_given, notes = excluded.notes, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
program "signed record: store_record_put" "refuse:$A" "$sql_put" \
  10 $T 1 "'EMLA'" $T $((T + 1800)) "'pen'" "'Dermapen 4'" "'LOT-9'" \
  NULL NULL NULL NULL NULL NULL "'even'" 1 "'rewrite'" $((T + 4000)) 2

# Addenda and resolutions: appended only, on a draft's record too.
both "addenda: update" "refuse:addenda are append-only" \
  "UPDATE session_addenda SET text = 'changed' WHERE id = 1"
both "addenda: delete" "refuse:addenda are append-only" "DELETE FROM session_addenda"
pg_only "addenda: truncate" "refuse:addenda are append-only" "TRUNCATE session_addenda"
# src/store/sessions.c sql_add_addendum
program "addenda: append (store_addendum_insert)" id=2 \
  "INSERT INTO session_addenda (appointment_id, author, at, text) VALUES (?1, ?2, ?3, ?4)" \
  10 2 $((T + 5000)) "'second note'"
both "addenda: upsert over one" "refuse:addenda are append-only" \
  "INSERT INTO session_addenda (id, appointment_id, author, at, text) VALUES (1, 10, 2, 0, 'x')
   ON CONFLICT (id) DO UPDATE SET text = excluded.text"
# src/store/resolutions.c sql_insert
program "resolutions: insert (store_resolutions_insert)" ok \
  "INSERT INTO screening_resolutions (screening_id, condition) VALUES (?1, ?2)" 2 "'sunburn'"
both "resolutions: update" "refuse:a screening is kept as recorded" \
  "UPDATE screening_resolutions SET condition = 'rash'"
both "resolutions: delete" "refuse:a screening is kept as recorded" \
  "DELETE FROM screening_resolutions WHERE screening_id = 2"
pg_only "resolutions: truncate" "refuse:a screening is kept as recorded" \
  "TRUNCATE screening_resolutions"

# An appointment keeps its patient and plan; moving it in time, room or practitioner is free.
both "appointment: another patient" "refuse:an appointment keeps its patient and plan" \
  "UPDATE appointments SET patient_id = 2 WHERE id = 10"
both "appointment: another plan" "refuse:an appointment keeps its patient and plan" \
  "UPDATE appointments SET plan_id = 5 WHERE id = 10"
both "appointment: a plan where there was none" "refuse:an appointment keeps its patient and plan" \
  "UPDATE appointments SET plan_id = 3 WHERE id = 20"
both "appointment: the same patient and plan" ok \
  "UPDATE appointments SET patient_id = patient_id, plan_id = plan_id WHERE id = 10"

# Constraints the tables check themselves.
both "check: depth below 20" "reject:23514" \
  "INSERT INTO session_areas (appointment_id, position, area, depth_hmm) VALUES (12, 5, 'nose', 19)"
both "check: flag 2" "reject:23514" "UPDATE rooms SET active = 2 WHERE id = 1"
both "check: treatment without a plan" "reject:23514" \
  "UPDATE appointments SET kind = 'treatment' WHERE id = 20"
both "check: user_cleared 2" "reject:23514" "UPDATE login_failures SET user_cleared = 2"
both "check: max_sessions 13" "reject:23514" "UPDATE treatment_types SET max_sessions = 13"
both "unique: username" "reject:23505" \
  "INSERT INTO users (id, username, display_name, role, password_hash, created_at)
   VALUES (99, 'prac', 'X', 'admin', 'x', 0)"
both "foreign key: no such room" "reject:23503" \
  "UPDATE appointments SET room_id = 99 WHERE id = 20"
pg_only "not null: identity id given NULL" "reject:23502" \
  "INSERT INTO rooms (id, name) VALUES (NULL, 'R9')"

# The program's writes, its SQL as src/store has it.
program "users: insert (src/store/users.c sql_insert)" id=4 \
  "INSERT INTO users (username, display_name, role, password_hash, active, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" \
  "'prac2'" "'Dr Two'" "'practitioner'" "'hash'" 1 $T
program "users: update" ok \
  "UPDATE users SET display_name = ?2, role = ?3, active = ?4 WHERE id = ?1" \
  4 "'Dr Second'" "'practitioner'" 0
program "users: password" ok "UPDATE users SET password_hash = ?2 WHERE id = ?1" 4 "'hash2'"
program "rooms: insert (src/store/clinic.c)" id=3 "INSERT INTO rooms (name, kind) VALUES (?1, ?2)" "'Room 3'" "'consultation'"
program "rooms: update" ok "UPDATE rooms SET name = ?2, active = ?3, kind = ?4 WHERE id = ?1" 3 "'Room Three'" 0 "'treatment'"
both "check: room kind" "reject:23514" "UPDATE rooms SET kind = 'lab' WHERE id = 1"
program "hours: clear" ok "DELETE FROM availability WHERE practitioner_id = ?1" 2
program "hours: insert" ok \
  "INSERT INTO availability (practitioner_id, weekday, start_min, end_min) VALUES (?1, ?2, ?3, ?4)" \
  2 3 600 960
program "time off: insert, no creator" id=2 \
  "INSERT INTO time_off (practitioner_id, start_at, end_at, reason, created_by) VALUES (?1, ?2, ?3, ?4, ?5)" \
  2 $((T + 9 * D)) $((T + 10 * D)) "'leave'" NULL
program "catalog: condition upsert, new (src/store/catalog.c)" ok \
  "INSERT INTO conditions (code, name, severity, active) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO UPDATE SET name = excluded.name, severity = excluded.severity, active = excluded.active" \
  "'psoriasis'" "'Psoriasis'" "'block'" 1
program "catalog: condition upsert, existing" ok \
  "INSERT INTO conditions (code, name, severity, active) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code) DO UPDATE SET name = excluded.name, severity = excluded.severity, active = excluded.active" \
  "'sunburn'" "'Sunburn (recent)'" "'caution'" 0
program "catalog: treatment type upsert" ok \
  "INSERT INTO treatment_types (code, name, default_sessions, min_interval_days, max_interval_days, default_duration_min, uses_prp, max_sessions, room_kind, aftercare_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (code) DO UPDATE SET name = excluded.name, default_sessions = excluded.default_sessions, min_interval_days = excluded.min_interval_days, max_interval_days = excluded.max_interval_days, default_duration_min = excluded.default_duration_min, uses_prp = excluded.uses_prp, max_sessions = excluded.max_sessions, room_kind = excluded.room_kind, aftercare_text = excluded.aftercare_text" \
  "'MN'" "'Micro-needling'" 4 28 42 60 0 8 "'treatment'" "'Keep the skin clean.'"
program "catalog: area upsert" ok \
  "INSERT INTO areas (code, name, max_depth_hmm) VALUES (?1, ?2, ?3) ON CONFLICT (code) DO UPDATE SET name = excluded.name, max_depth_hmm = excluded.max_depth_hmm" \
  "'scalp'" "'Scalp'" 150
program "patients: insert (src/store/patients.c)" id=5 \
  "INSERT INTO patients (first_name, last_name, first_key, last_key, date_of_birth, phone, phone_key, email, fitzpatrick, notes, archived, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)" \
  "'Åsa'" "'Berg'" "'åsa'" "'berg'" "'1992-07-07'" "'555 0199'" "'5550199'" NULL 3 NULL $T
program "patients: record number" ok "UPDATE patients SET mrn = ?2 WHERE id = ?1" 5 "'C-000005'"
program "patients: update renames (labels follow)" ok \
  "UPDATE patients SET first_name = ?2, last_name = ?3, first_key = ?4, last_key = ?5, date_of_birth = ?6, phone = ?7, phone_key = ?8, email = ?9, fitzpatrick = ?10, notes = ?11, archived = ?12, updated_at = ?13 WHERE id = ?1" \
  1 "'Ana'" "'Lovelace'" "'ana'" "'lovelace'" "'1985-03-14'" "'555 0101'" "'5550101'" "'ana@example.org'" 2 NULL 0 $((T + 10))
both "patients: another record number (labels follow)" ok \
  "UPDATE patients SET mrn = 'C-100002' WHERE id = 2"
both "patients: another first name (labels follow)" ok \
  "UPDATE patients SET first_name = 'Benjamin' WHERE id = 2"
program "screenings: insert" id=3 \
  "INSERT INTO screenings (patient_id, recorded_at, recorded_by, notes) VALUES (?1, ?2, ?3, ?4)" \
  5 $((T + 20)) 2 NULL
program "screenings: condition" ok \
  "INSERT INTO screening_conditions (screening_id, condition) VALUES (?1, ?2)" 3 "'psoriasis'"
program "screenings: clearance" id=2 \
  "INSERT INTO clearances (screening_id, condition, cleared_by, cleared_at, note) VALUES (?1, ?2, ?3, ?4, ?5)" \
  3 "'psoriasis'" "'Dr Derm'" $((T + 20)) "''"
program "consents: insert" id=2 \
  "INSERT INTO consents (patient_id, treatment_type, form_version, signed_name, signed_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" \
  5 "'MN'" "'v2'" "'Åsa Berg'" $((T + 30)) 2
program "plans: insert (src/store/schedule.c)" id=7 \
  "INSERT INTO plans (patient_id, treatment_type, indication, planned_sessions, min_interval_days, max_interval_days, practitioner_id, status, notes, created_at, created_by, updated_at, override_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?12)" \
  5 "'MN'" "'pores'" 8 28 42 2 "'active'" NULL $((T + 40)) 1 "'deep scarring'"
program "plans: area" ok "INSERT INTO plan_areas (plan_id, area) VALUES (?1, ?2)" 7 "'scalp'"
sql_appt_insert="INSERT INTO appointments (patient_id, plan_id, session_number, kind, practitioner_id, room_id, start_at, end_at, status, late_cancel, override_reason, cancel_reason, notes, created_at, created_by, updated_at, patient_first_name, patient_last_name, patient_mrn, plan_treatment_type, plan_planned_sessions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?14, (SELECT first_name FROM patients WHERE id = ?1), (SELECT last_name FROM patients WHERE id = ?1), (SELECT mrn FROM patients WHERE id = ?1), (SELECT treatment_type FROM plans WHERE id = ?2), (SELECT planned_sessions FROM plans WHERE id = ?2))"
program "appointments: book a session" id=21 "$sql_appt_insert" \
  5 7 1 "'treatment'" 2 1 $((T + 60 * D)) $((T + 60 * D + 3600)) "'booked'" 0 NULL NULL NULL $((T + 50)) 1
program "appointments: book a consultation" id=22 "$sql_appt_insert" \
  4 NULL NULL "'consultation'" 2 2 $((T + 61 * D)) $((T + 61 * D + 1800)) "'booked'" 0 NULL NULL NULL $((T + 50)) 1
program "appointments: reschedule" ok \
  "UPDATE appointments SET practitioner_id = ?2, room_id = ?3, start_at = ?4, end_at = ?5, status = ?6, late_cancel = ?7, override_reason = ?8, cancel_reason = ?9, notes = ?10, updated_at = ?11, status_changed_at = ?12, status_changed_by = ?13 WHERE id = ?1" \
  21 2 2 $((T + 62 * D)) $((T + 62 * D + 3600)) "'completed'" 0 NULL NULL "'moved'" $((T + 60)) $((T + 60)) 2
program "appointments: renumber, none" ok \
  "UPDATE appointments SET session_number = ?2 WHERE id = ?1" 18 NULL
program "plans: update (planned sessions; labels follow)" ok \
  "UPDATE plans SET planned_sessions = ?2, min_interval_days = ?3, max_interval_days = ?4, practitioner_id = ?5, status = ?6, notes = ?7, updated_at = ?8, override_reason = ?9 WHERE id = ?1" \
  7 6 28 42 2 "'active'" "'six'" $((T + 70)) NULL
program "plans: refresh progress" ok \
  "UPDATE plans SET holding = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 AND (a.status = 'booked' OR a.status = 'checked_in' OR a.status = 'completed')), completed = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 AND a.status = 'completed'), pending = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 AND a.status IN ('booked', 'checked_in')), last_start = (SELECT max(start_at) FROM appointments a WHERE a.plan_id = ?1 AND (a.status = 'booked' OR a.status = 'checked_in' OR a.status = 'completed')) WHERE id = ?1" \
  7
program "plans: refresh due" ok \
  "UPDATE plans SET next_due_at = CASE WHEN status = 'active' AND holding > 0 AND holding < planned_sessions AND pending = 0 THEN last_start + min_interval_days * 86400 END WHERE id = ?1" \
  7
both "plans: another treatment (labels follow)" ok "UPDATE plans SET treatment_type = 'PRP' WHERE id = 4"
program "session record: new draft (store_record_put)" ok "$sql_put" \
  21 $T 0 NULL NULL NULL "'stamp'" NULL "'LOT-7'" 30 10 1500 40 "'topical'" "'KIT-1'" NULL 0 NULL $((T + 80)) 2
program "session record: the draft again" ok "$sql_put" \
  21 $T 1 "'EMLA'" $T $((T + 1800)) "'stamp'" NULL "'LOT-7'" 30 10 1500 40 "'injected'" "'KIT-1'" "'pinpoint bleeding'" 1 "'ok'" $((T + 90)) 2
program "session record: clear areas" ok "DELETE FROM session_areas WHERE appointment_id = ?1" 21
program "session record: area" ok \
  "INSERT INTO session_areas (appointment_id, position, area, depth_hmm, passes, override_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" \
  21 0 "'scalp'" 150 3 NULL
program "session record: product" ok \
  "INSERT INTO session_products (appointment_id, position, name) VALUES (?1, ?2, ?3)" 21 0 "'Serum'"
program "session record: reaction" ok \
  "INSERT INTO session_reactions (appointment_id, position, type, severity) VALUES (?1, ?2, ?3, ?4)" \
  21 0 "'redness'" NULL
sql_sign="UPDATE session_records SET status = 'signed', signed_by = ?2, signed_at = ?3, consent_id = ?4, updated_at = ?3, updated_by = ?2 WHERE appointment_id = ?1 AND status = 'draft'"
program "session record: sign" ok "$sql_sign" 21 2 $((T + 100)) 2
program "session record: sign again changes nothing" ok "$sql_sign" 21 2 $((T + 200)) 2
both "session record: the signed draft is frozen" "refuse:$A" \
  "DELETE FROM session_products WHERE appointment_id = 21"
program "logins: failure" ok "INSERT INTO login_failures (at, username, remote) VALUES (?1, ?2, ?3)" \
  $((T + 5)) "'prac'" "'10.0.0.9'"
program "logins: clear for the user" ok \
  "UPDATE login_failures SET user_cleared = 1 WHERE username = ?1 AND user_cleared = 0" "'prac'"
# auth_sessions keys on 32 bytes: a bytea on PostgreSQL, a blob on SQLite.
run_check "login sessions: insert, touch, delete" ok \
  "PREPARE p AS INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at) VALUES (\$1, \$2, \$3, \$4, \$4, \$5);
EXECUTE p('\\x$(printf 'ab%.0s' {1..32})', 2, 'csrf', $T, $((T + D)));
EXECUTE p('\\x$(printf 'cd%.0s' {1..32})', 2, 'csrf2', $T, $((T + D)));
PREPARE t AS UPDATE auth_sessions SET last_seen = \$2 WHERE token_hash = \$1;
EXECUTE t('\\x$(printf 'ab%.0s' {1..32})', $((T + 60)));
PREPARE d AS DELETE FROM auth_sessions WHERE token_hash = \$1;
EXECUTE d('\\x$(printf 'cd%.0s' {1..32})');" \
  "INSERT INTO auth_sessions VALUES (X'$(printf 'ab%.0s' {1..32})', 2, 'csrf', $T, $T, $((T + D)));
INSERT INTO auth_sessions VALUES (X'$(printf 'cd%.0s' {1..32})', 2, 'csrf2', $T, $T, $((T + D)));
UPDATE auth_sessions SET last_seen = $((T + 60)) WHERE token_hash = X'$(printf 'ab%.0s' {1..32})';
DELETE FROM auth_sessions WHERE token_hash = X'$(printf 'cd%.0s' {1..32})';"
pg_only "identity after the copied rows: lastval() reads the new id" "=4" \
  "INSERT INTO rooms (name) VALUES ('Room 4'); SELECT lastval(); DELETE FROM rooms WHERE id = 4"

same "labels after renames and bookings" \
  "SELECT id, patient_first_name, patient_last_name, patient_mrn, plan_treatment_type,
     plan_planned_sessions FROM appointments ORDER BY id"
pg_equals "labels: renamed patients, retyped and resized plans" "10|Ana|Lovelace|C-000001|MN|3
16|Benjamin|Cole|C-100002|PRP|3
21|Åsa|Berg|C-000005|MN|6" \
  "SELECT id, patient_first_name, patient_last_name, patient_mrn, plan_treatment_type,
     plan_planned_sessions FROM appointments WHERE id IN (10, 16, 21) ORDER BY id"
same "byte order of folded keys" "SELECT last_key, first_key FROM patients ORDER BY last_key, first_key"
pg_equals "byte order, by hand" "Zed,ana,ben,åsa,émile" \
  "SELECT string_agg(first_key, ',' ORDER BY first_key) FROM patients"
same "prefix range on a folded key" \
  "SELECT id FROM patients WHERE last_key >= 'b' AND last_key < 'c' ORDER BY id"

# A row moved from a draft's record onto a signed one is judged by its old record, as on
# SQLite (schema.sql's update triggers read OLD only).
both "draft row moved onto the signed record (allowed, as on SQLite)" ok \
  "UPDATE session_products SET appointment_id = 10, position = 9 WHERE appointment_id = 12"

# ---- in the end: the same rows everywhere ----
# Except for the ids of availability: store_hours_replace deletes a practitioner's hours and
# inserts them again, and SQLite then hands out the freed ids (the largest id plus one)
# where an identity sequence never goes back.
if [ "$have_sqlite" -eq 1 ]; then
  mapfile -t tables < <(lite <<<"SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name;")
  for t in "${tables[@]}"; do
    mapfile -t cols < <(lite <<<"SELECT name || '|' || type FROM pragma_table_info('$t') ORDER BY cid;")
    pg_cols="" lite_cols="" order="" k=0
    for col in "${cols[@]}"; do
      name=${col%|*}
      if [ "$t.$name" = availability.id ]; then continue; fi
      k=$((k + 1))
      if [ "${col#*|}" = BLOB ]; then
        pg_cols+="${pg_cols:+, }upper(encode($name, 'hex'))"
        lite_cols+="${lite_cols:+, }hex($name)"
      else
        pg_cols+="${pg_cols:+, }$name"
        lite_cols+="${lite_cols:+, }$name"
      fi
      order+="${order:+, }$k NULLS FIRST"
    done
    a=$(pg -c "SELECT $pg_cols FROM $t ORDER BY $order" 2>&1) || true
    b=$(lite <<<"SELECT $lite_cols FROM $t ORDER BY $order;" 2>&1) || true
    if [ "$a" = "$b" ]; then pass; else
      fail "rows of $t differ (< PostgreSQL, > SQLite)" \
        "$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") || true)"
    fi
  done
else
  echo "sqlite3 not found: the comparisons with schema.sql were skipped"
fi

finish
