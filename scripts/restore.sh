#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh (docs/deploy.md, "Restore"). Stop the application first.
#
#   scripts/restore.sh BACKUP_FILE [DATABASE_URL]    # default: $DATABASE_URL, else instance/jichiho.sqlite
#
# PostgreSQL (.dump): creates the database when it does not exist (after it was dropped, or on a new server),
# then pg_restore --clean --if-exists in one transaction: either everything is restored or nothing changed.
# SQLite (.sqlite): checks the backup's integrity, keeps the current database as <file>.before-restore, and
# moves the backup into place (its -wal/-shm files are removed: a stale WAL must never be replayed onto it).
# Afterwards run `flask db upgrade` when the backup comes from an older release.
set -euo pipefail
cd "$(dirname "$0")/.."

backup="${1:?usage: scripts/restore.sh BACKUP_FILE [DATABASE_URL]}"
url="${2:-${DATABASE_URL:-sqlite:///$PWD/instance/jichiho.sqlite}}"
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3
[ -f "$backup" ] || { echo "restore: no such file: $backup" >&2; exit 1; }

case "$url" in
  postgres://*|postgresql://*|postgresql+psycopg://*)
    libpq_url="postgresql://${url#*://}"
    # The database name is the URL's path; connect to the server's "postgres" database to create it.
    rest="${libpq_url#postgresql://}"
    server="${rest%%/*}"
    path="${rest#*/}"
    dbname="${path%%\?*}"
    query=""
    [ "$path" != "$dbname" ] && query="?${path#*\?}"
    admin_url="postgresql://$server/postgres$query"
    exists="$(psql "$admin_url" -XAtc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")"
    if [ "$exists" != "1" ]; then
      psql "$admin_url" -Xqc "CREATE DATABASE \"$dbname\""
      echo "restore: created database $dbname" >&2
    fi
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
      --dbname="$libpq_url" "$backup"
    ;;
  sqlite:///*)
    db="${url#sqlite:///}"
    "$python" - "$backup" <<'PY'
import sqlite3
import sys

check = sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0]
if check != "ok":
    sys.exit(f"restore: the backup failed its integrity check: {check}")
PY
    mkdir -p "$(dirname "$db")"
    if [ -f "$db" ]; then
      mv "$db" "$db.before-restore"
      echo "restore: the previous database is kept as $db.before-restore" >&2
    fi
    rm -f "$db-wal" "$db-shm"
    cp "$backup" "$db.restoring"
    mv "$db.restoring" "$db"
    ;;
  *)
    echo "restore: unsupported database URL: $url" >&2
    exit 2
    ;;
esac
echo "restore: $backup restored" >&2
