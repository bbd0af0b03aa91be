#!/bin/bash
# Nightly dump of central's database (CronJob postgres-backup, docs/operations.md "Back up and
# restore PostgreSQL"). Writes BACKUP_DIR/zra-<UTC time>.dump (pg_dump custom format) and,
# from the same snapshot, zra-<UTC time>.counts (rows per table), which the restore drill
# compares with what it restored. Then deletes dumps older than KEEP_DAYS.
# Environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (libpq), BACKUP_DIR, KEEP_DAYS.
set -euo pipefail
dir="${BACKUP_DIR:-/backups}"
keep="${KEEP_DAYS:-14}"
name="zra-$(date -u +%Y%m%dT%H%M%SZ)"
here=$(dirname "$0")

# One transaction holds a snapshot that pg_dump and the row counts both read, so the counts are
# exactly the dump's, however busy the database is meanwhile.
coproc SESSION { psql -X --no-psqlrc -q -A -t -v ON_ERROR_STOP=1; }
# Bash unsets SESSION_PID as soon as it reaps the coprocess, which can happen before the wait
# below once psql has read \q; keep our own copy.
session_pid=$SESSION_PID
say() { printf '%s\n' "$1" >&"${SESSION[1]}"; }
say "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
say "SELECT pg_export_snapshot();"
read -r -t 60 snapshot <&"${SESSION[0]}" || {
  echo "backup failed: PostgreSQL did not open a snapshot (is $PGHOST reachable, and may $PGUSER connect?)" >&2
  exit 1
}

pg_dump --format=custom --snapshot="$snapshot" --file="$dir/$name.dump.partial"

say "$(cat "$here/row-counts.sql")"
say "SELECT '-- end of counts';"
: >"$dir/$name.counts.partial"
while read -r -t 3600 line <&"${SESSION[0]}"; do
  [ "$line" = "-- end of counts" ] && break
  printf '%s\n' "$line" >>"$dir/$name.counts.partial"
done
say "COMMIT;"
say '\q'
wait "$session_pid" || true

mv "$dir/$name.dump.partial" "$dir/$name.dump"
mv "$dir/$name.counts.partial" "$dir/$name.counts"
find "$dir" -maxdepth 1 \( -name 'zra-*.dump' -o -name 'zra-*.counts' \) -mtime +"$keep" -delete
echo "backup written: $name.dump ($(du -h "$dir/$name.dump" | cut -f1)), $(wc -l <"$dir/$name.counts") tables counted"
