#!/usr/bin/env bash
# Score bx on an evaluation corpus, side by side with the peers, in one run.
#
#   bench/corpus/evaluate.sh EVAL_DIR CORPUS_DIR [BUILD_DIR]
#
# EVAL_DIR holds the evaluation scorer (score.py, sanity.py, peers.py: the
# shared evaluation kit); CORPUS_DIR a corpus made by its make_corpus.py or by
# bench/corpus/make_plugin_corpus.py; BUILD_DIR the build with bxanalyze and
# bxlive (default: build). Prints Markdown tables (bench/corpus/report.py);
# the raw JSON stays in CORPUS_DIR/scores/. Takes 5-10 minutes on 2 cores.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n 2,10p "$0"; exit 2; }
eval_dir=$(cd "$1" && pwd)
corpus=$(cd "$2" && pwd)
build=$(cd "${3:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
out="$corpus/scores"
mkdir -p "$out"
cd "$eval_dir"
"$py" sanity.py "$corpus" "$build/bxanalyze" --modes paired,source,reference --json "$out/sanity.json" >"$out/sanity.txt"
"$py" score.py "$corpus" "$build" --quiet --json "$out/bx.json" >"$out/bx.txt"
"$py" score.py "$corpus" "$build" --system rule --quiet --json "$out/rule.json" >"$out/rule.txt"
if "$py" -c "import matchering" 2>/dev/null; then
  "$py" score.py "$corpus" "$build" --system matchering --quiet --json "$out/matchering.json" >"$out/matchering.txt"
fi
"$py" "$here/report.py" "$out"
