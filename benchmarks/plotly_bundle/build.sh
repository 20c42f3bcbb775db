#!/bin/sh
# Rebuilds assets/vendor/plotly-kim.min.js: plotly.js with only the trace types KIM-Cockpit draws
# (entry.js beside this file). Needs node and npm (Debian: apt-get install nodejs npm); fetches
# plotly.js and esbuild from the npm registry into a temporary folder, nothing else.
#
# Why: dcc.Graph otherwise loads the full plotly.min.js (4.8 MB, 47 trace types) after the first
# chart appears; parsing and running it took 2.5-5 s of the page load on the 2-core machine. The
# partial bundle is 1.3 MB, loads with the page's scripts and sets window.Plotly, which dcc.Graph
# uses instead of fetching its own (dash/dcc/dash_core_components.js: `window.Plotly || …`).
#
# Keep PLOTLYJS equal to the plotly.js inside the installed plotly package
# (head -c 40 .venv/lib/python3.*/site-packages/plotly/package_data/plotly.min.js);
# tests/test_response_cache.py checks this, and that every trace type the pages draw is in here.
set -eu
PLOTLYJS=4.1.1
ESBUILD=0.28.2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/entry.js" "$work/"
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "plotly.js@$PLOTLYJS" "esbuild@$ESBUILD"
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
    --define:global=window --define:define.amd=false --define:process.env.NODE_DEBUG=false \
    --target=es2016 --loader:.css=empty --legal-comments=none --outfile=plotly-kim.min.js
{
    printf '/*! plotly.js %s (npm package plotly.js, MIT licence, Copyright 2012-2026 Plotly, Inc.), partial\n' "$PLOTLYJS"
    printf ' * bundle for KIM-Cockpit: core (scatter) + bar + heatmap + sankey. Built by\n'
    printf ' * benchmarks/plotly_bundle/build.sh; sets window.Plotly, so dcc.Graph does not fetch the full\n'
    printf ' * 4.8 MB plotly.min.js. */\n'
    cat plotly-kim.min.js
} > "$root/assets/vendor/plotly-kim.min.js"
ls -l "$root/assets/vendor/plotly-kim.min.js"
