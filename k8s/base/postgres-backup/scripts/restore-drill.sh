#!/bin/bash
# Restore drill (CronJob postgres-restore-drill, weekly; docs/operations.md): restores the
# newest dump in BACKUP_DIR into a scratch database, compares its rows per table with the
# counts taken with the dump, then drops the scratch database. Fails, saying why, when the
# newest dump is older than MAX_AGE_H, when pg_restore reports an error, or when a count differs.
# Environment: PGHOST, PGPORT, PGUSER, PGPASSWORD (a role that may create databases),
# BACKUP_DIR, MAX_AGE_H.
set -euo pipefail
dir="${BACKUP_DIR:-/backups}"
max_age_h="${MAX_AGE_H:-30}"
here=$(dirname "$0")

dump=$(find "$dir" -maxdepth 1 -name 'zra-*.dump' | sort | tail -n 1)
if [ -z "$dump" ]; then
  echo "restore drill failed: no dump in $dir (has the backup CronJob postgres-backup ever succeeded?)" >&2
  exit 1
fi
counts="${dump%.dump}.counts"
if [ ! -s "$counts" ]; then
  echo "restore drill failed: $(basename "$dump") has no row counts beside it ($(basename "$counts")): it was not written by backup.sh" >&2
  exit 1
fi
age_h=$((($(date +%s) - $(stat -c %Y "$dump")) / 3600))
if [ "$age_h" -gt "$max_age_h" ]; then
  echo "restore drill failed: the newest dump, $(basename "$dump"), is ${age_h} h old (more than ${max_age_h} h): the nightly backup is not running; see the postgres-backup Jobs" >&2
  exit 1
fi

scratch="zra_restore_drill_$(date -u +%Y%m%d%H%M%S)"
createdb --maintenance-db=postgres "$scratch"
trap 'dropdb --maintenance-db=postgres --if-exists "$scratch"' EXIT
# No owners or grants: the scratch server need not have central's roles.
if ! pg_restore --exit-on-error --no-owner --no-privileges --dbname="$scratch" "$dump"; then
  echo "restore drill failed: pg_restore could not restore $(basename "$dump") (its error is above); the dump is unusable" >&2
  exit 1
fi
restored=$(psql -X --no-psqlrc -q -A -t -v ON_ERROR_STOP=1 --dbname="$scratch" -f "$here/row-counts.sql")
if ! differences=$(diff <(cat "$counts") <(printf '%s\n' "$restored")); then
  echo "restore drill failed: the rows restored from $(basename "$dump") differ from the counts taken with it (< taken, > restored):" >&2
  printf '%s\n' "$differences" >&2
  exit 1
fi
tables=$(printf '%s\n' "$restored" | wc -l)
rows=$(printf '%s\n' "$restored" | awk -F'|' '{ n += $2 } END { print n + 0 }')
echo "restore drill passed: $(basename "$dump") (${age_h} h old) restored into a scratch database; ${tables} tables, ${rows} rows, every count as taken with the dump"
