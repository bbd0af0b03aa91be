#!/bin/sh
# Creates or updates central's database roles (zamperla-roles.psql beside this file). The
# PostgreSQL image runs it at the first start on an empty volume; run it again with
#   kubectl -n zamperla exec postgres-0 -c postgres -- sh /docker-entrypoint-initdb.d/10-zamperla-roles.sh
# after changing a password in the Secret postgres-roles (and restarting postgres-0, so its
# environment has the new one) or on an install made before these roles existed.
set -eu
here=$(dirname "$0")
psql -X --no-psqlrc -v ON_ERROR_STOP=1 \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-zra}" \
  -v dbname="${POSTGRES_DB:-zra}" \
  -v owner_role="${ZRA_OWNER_ROLE:-zra_owner}" -v owner_password="$ZRA_OWNER_PASSWORD" \
  -v app_role="${ZRA_APP_ROLE:-zra_app}" -v app_password="$ZRA_APP_PASSWORD" \
  -v backup_role="${ZRA_BACKUP_ROLE:-zra_backup}" -v backup_password="$ZRA_BACKUP_PASSWORD" \
  -v monitor_role="${ZRA_MONITOR_ROLE:-zra_monitor}" -v monitor_password="$ZRA_MONITOR_PASSWORD" \
  -f "$here/zamperla-roles.psql"
echo "zamperla roles ready: ${ZRA_OWNER_ROLE:-zra_owner} (migrations), ${ZRA_APP_ROLE:-zra_app} (API, jobs), ${ZRA_BACKUP_ROLE:-zra_backup} (pg_dump), ${ZRA_MONITOR_ROLE:-zra_monitor} (exporter)"
