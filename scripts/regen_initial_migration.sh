#!/usr/bin/env bash
# Development only, before the first release: rebuild the single initial migration from the models.
# After a release, every schema change is a new migration (`flask db migrate -m "…"`), never this.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite" .venv/bin/flask db migrate -m "initial schema" --rev-id 0001_initial
rm -rf "$tmp"
