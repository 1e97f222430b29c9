#!/usr/bin/env bash
# Back up the database of 自治法アカデミー (docs/deploy.md, "Backups"). Safe while the application runs.
#
#   scripts/backup.sh [DATABASE_URL]       # default: $DATABASE_URL, else SQLite in instance/jichiho.sqlite
#
# PostgreSQL: pg_dump in its custom format (compressed; scripts/restore.sh restores it with pg_restore).
# SQLite: SQLite's online backup (a consistent copy even while workers write; WAL included), then an integrity
# check of the copy. Backups go to $BACKUP_DIR (default instance/backups), named jichiho-<UTC time>.dump or
# .sqlite; the newest $BACKUP_KEEP (default 14) are kept. Prints the new file's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

url="${1:-${DATABASE_URL:-sqlite:///$PWD/instance/jichiho.sqlite}}"
dir="${BACKUP_DIR:-instance/backups}"
keep="${BACKUP_KEEP:-14}"
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir"
chmod 700 "$dir"
umask 077

case "$url" in
  postgres://*|postgresql://*|postgresql+psycopg://*)
    libpq_url="postgresql://${url#*://}"
    out="$dir/jichiho-$stamp.dump"
    pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$out.partial" "$libpq_url"
    pg_restore --list "$out.partial" >/dev/null  # the archive is readable
    pattern="jichiho-*.dump"
    ;;
  sqlite:///*)
    db="${url#sqlite:///}"
    [ -f "$db" ] || { echo "backup: no SQLite database at $db" >&2; exit 1; }
    out="$dir/jichiho-$stamp.sqlite"
    "$python" - "$db" "$out.partial" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(sys.argv[1], timeout=30)
target = sqlite3.connect(sys.argv[2])
source.backup(target, pages=4096)  # in steps, so that writers are never held up for long
source.close()
check = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
if check != "ok":
    sys.exit(f"backup: the copy failed its integrity check: {check}")
PY
    pattern="jichiho-*.sqlite"
    ;;
  *)
    echo "backup: unsupported database URL: $url" >&2
    exit 2
    ;;
esac

mv "$out.partial" "$out"
# Keep the newest $keep backups of this kind.
ls -1t "$dir"/$pattern 2>/dev/null | tail -n +"$((keep + 1))" | xargs -r rm -f
echo "backup: $(du -h "$out" | cut -f1) written" >&2
echo "$out"
