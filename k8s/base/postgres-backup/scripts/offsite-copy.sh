#!/bin/sh
# Copies the dumps off the cluster (CronJob postgres-backup, after backup.sh): a volume in the
# same cluster is no backup against losing the cluster. rclone, configured entirely from the
# environment: OFFSITE_REMOTE names the destination (e.g. offsite:zamperla-backups/postgres),
# RCLONE_CONFIG_OFFSITE_* describe the remote (docs/operations.md, Secret
# postgres-backup-offsite). Dumps already there are never overwritten; the bucket's own
# retention (lifecycle rules, object lock) decides how long they stay.
set -eu
dir="${BACKUP_DIR:-/backups}"
if [ -z "${OFFSITE_REMOTE:-}" ]; then
  if [ "${OFFSITE_REQUIRED:-true}" = "true" ]; then
    echo "off-site copy failed: OFFSITE_REMOTE is not set; create the Secret postgres-backup-offsite (docs/operations.md, \"Back up and restore PostgreSQL\")" >&2
    exit 1
  fi
  echo "off-site copy skipped: no OFFSITE_REMOTE (OFFSITE_REQUIRED=false, a laptop cluster)"
  exit 0
fi
rclone copy "$dir" "$OFFSITE_REMOTE" --include 'zra-*.dump' --include 'zra-*.counts' \
  --immutable --no-traverse --max-age 72h --retries 3 --stats-one-line --stats 0
newest=$(ls -1 "$dir"/zra-*.dump | sort | tail -n 1)
rclone lsf "$OFFSITE_REMOTE" --include "$(basename "$newest")" | grep -q . || {
  echo "off-site copy failed: $(basename "$newest") is not at $OFFSITE_REMOTE after the copy" >&2
  exit 1
}
echo "off-site copy done: $(basename "$newest") and the dumps of the last 3 days are at $OFFSITE_REMOTE"
