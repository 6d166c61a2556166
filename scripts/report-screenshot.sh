#!/usr/bin/env bash
# Screenshot of a `burst-tune report -o FILE.html` page with headless Chromium (Debian's `chromium`,
# installed by scripts/install-deps.sh --browser). Used for docs/images/report.png (the README's
# command 1, `burst-tune tune` with its defaults, then):
#   burst-tune report --db burst.db -o report.html
#   scripts/report-screenshot.sh report.html docs/images/report.png 1280x2760
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT (default 1280x2400)]" >&2
  exit 2
fi
html=$(realpath "$1")
out=$2
size=${3:-1280x2400}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
  echo "report-screenshot: chromium not found (scripts/install-deps.sh --browser installs it)" >&2
  exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" "file://$html" >/dev/null 2>&1
echo "wrote $out ($size)"
