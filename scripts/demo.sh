#!/usr/bin/env bash
# The main job, fully offline: set the machine up, render a small synthetic video world, pretrain a small CLIP on its
# still images (cached in out/model), index the world's clips, search them in plain language, evaluate retrieval with
# the literature's protocol, and index and search the real clips of ../shared/data/real.
# Sizes can be changed with DEMO_CLIPS, DEMO_STATIC_PAIRS, DEMO_CONFIG, DEMO_EPOCHS, DEMO_MAX_PAIRS.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION="${CONFIGURATION:-Release}"
[ -n "${VIDSEARCH_BIN:-}" ] || scripts/setup.sh

bin="${VIDSEARCH_BIN:-src/VidSearch.Cli/bin/$CONFIGURATION/net10.0/linux-x64/vidsearch}"
vidsearch() { "$bin" "$@"; }
shared="${VIDSEARCH_SHARED:-../shared}"
clips="${DEMO_CLIPS:-200}"
static_pairs="${DEMO_STATIC_PAIRS:-20000}"
config="${DEMO_CONFIG:-tiny}"
epochs="${DEMO_EPOCHS:-12}"
max_pairs=(); [ -n "${DEMO_MAX_PAIRS:-}" ] && max_pairs=(--max-pairs "$DEMO_MAX_PAIRS")
export VIDSEARCH_HOME="$PWD/out/home"          # collections and models of the demo stay under out/
export VIDSEARCH_CLIP_VOCAB="$shared/data/clip/bpe_simple_vocab_16e6.txt.gz"
mkdir -p out/collections
step() { echo; echo "== $*"; }

if [ ! -f out/world/retrieval/manifest.jsonl ] || [ ! -f out/world/static/manifest.jsonl ]; then
  step "vidsearch synth --out out/world --task retrieval,static --clips $clips --static-pairs $static_pairs --seed 1"
  vidsearch synth --out out/world --task retrieval,static --clips "$clips" --static-pairs "$static_pairs" --seed 1
else
  step "synthetic world: out/world (cached; delete it to render again)"
fi

if ! ls out/model/*.safetensors >/dev/null 2>&1; then
  step "vidsearch train clip --data out/world --out out/model --config $config --epochs $epochs ${max_pairs[*]}"
  vidsearch train clip --data out/world --out out/model --config "$config" --epochs "$epochs" "${max_pairs[@]}" --vocab "$VIDSEARCH_CLIP_VOCAB"
else
  step "model: out/model (cached; delete it to train again)"
fi

step "vidsearch index out/world/retrieval/videos --collection out/collections/synthetic.db --model out/model"
rm -f out/collections/synthetic.db*
vidsearch index out/world/retrieval/videos --collection out/collections/synthetic.db --model out/model | tee out/index-synthetic.txt

step "vidsearch index (again: nothing new to do)"
vidsearch index out/world/retrieval/videos --collection out/collections/synthetic.db --model out/model

# Queries: a few test captions of the world (the model never saw these clips), plus free text.
mapfile -t queries < <(grep '"split":"test"' out/world/retrieval/manifest.jsonl | head -3 \
  | sed -n 's/.*"captions":\["\([^"]*\)".*/\1/p')
mapfile -t ids < <(grep '"split":"test"' out/world/retrieval/manifest.jsonl | head -3 | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
queries+=("a red circle moves to the left")
for i in "${!queries[@]}"; do
  step "vidsearch search \"${queries[$i]}\" --collection out/collections/synthetic.db -k 5${ids[$i]:+   (captioned clip: ${ids[$i]})}"
  vidsearch search "${queries[$i]}" --collection out/collections/synthetic.db -k 5
done

first_clip=$(ls out/world/retrieval/videos/*.mp4 | head -1)
step "vidsearch search --video $first_clip --collection out/collections/synthetic.db -k 3   (video -> video)"
vidsearch search --video "$first_clip" --collection out/collections/synthetic.db -k 3

step "vidsearch eval --data out/world/retrieval --model out/model --task retrieval --out out/eval"
vidsearch eval --data out/world/retrieval --model out/model --task retrieval --out out/eval --cache out/eval-cache

step "vidsearch index $shared/data/real --collection out/collections/real.db --model out/model   (real files)"
echo "(the demo model only knows the synthetic world's shapes and colours: results on real clips are not meaningful;"
echo " this shows that real files of many codecs and containers flow through the same pipeline)"
rm -f out/collections/real.db*
set +e
vidsearch index "$shared/data/real" --collection out/collections/real.db --model out/model
real_code=$?
set -e
echo "(index exit code $real_code: 0 = all indexed, 1 = some files failed and are listed above)"
step "vidsearch search \"a person flipping a pancake\" --collection out/collections/real.db -k 3"
vidsearch search "a person flipping a pancake" --collection out/collections/real.db -k 3

echo
echo "demo: model in out/model, collections in out/collections, evaluation report in out/eval/report.md (recall.svg, report.json)"
