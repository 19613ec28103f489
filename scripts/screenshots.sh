#!/usr/bin/env bash
# Screenshots of the HTML pages for the docs (docs/img/*.png), taken with
# headless Chromium (Debian's `chromium` package; installed when missing):
#   evaluation.png  the evaluation page of examples/compare/penguins.mlg
#   search.png      the search section of examples/breast_cancer_halving.mlg
#   profile.png     mlg profile of examples/data/penguins.csv
#   compare.png     mlg runs compare of two runs of examples/iris.mlg
# Usage: scripts/screenshots.sh   (from anywhere; builds mlg in release)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build --release -q
mlg="$root/target/release/mlg"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/. "$work/"
mkdir -p docs/img

shot() { # shot PAGE PNG HEIGHT
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chrome" --hide-scrollbars --window-size=1280,"$3" \
    --screenshot="$root/docs/img/$2" "file://$1" 2>/dev/null
  echo "wrote docs/img/$2"
}

cd "$work"
"$mlg" run compare/penguins.mlg --quiet --no-tracking --html "$work/evaluation.html"
shot "$work/evaluation.html" evaluation.png 1800
"$mlg" run breast_cancer_halving.mlg --quiet --no-tracking --no-importance --html "$work/search.html"
shot "$work/search.html" search.png 1600
"$mlg" profile data/penguins.csv --target species --html "$work/profile.html" >/dev/null
shot "$work/profile.html" profile.png 1400
"$mlg" run iris.mlg --quiet --tracking "$work/runs.db"
sed -i 's/c = 1.0/c = 0.05/' iris.mlg
"$mlg" run iris.mlg --quiet --tracking "$work/runs.db"
ids=$("$mlg" runs list --tracking "$work/runs.db" | awk 'NR > 1 { print $1 }' | tac | tr '\n' ' ')
# shellcheck disable=SC2086
"$mlg" runs compare $ids --tracking "$work/runs.db" --html "$work/compare.html" >/dev/null
shot "$work/compare.html" compare.png 700
