#!/usr/bin/env bash
# Extract the interface's messages and merge them into the catalogs (translations/*/LC_MESSAGES/messages.po).
# Then translate every new entry in translations/ja and give it its English text in translations/en (the message
# IDs are English; tests fail on a message without a Japanese or an English text).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output \
  --project "Jichiho Academy" --ignore-dirs ".venv node_modules tests" . >/dev/null
for locale in ja en; do
  if [ -f "translations/$locale/LC_MESSAGES/messages.po" ]; then
    .venv/bin/pybabel update -i translations/messages.pot -d translations -l "$locale" --no-fuzzy-matching --ignore-obsolete
  else
    .venv/bin/pybabel init -i translations/messages.pot -d translations -l "$locale"
  fi
done
