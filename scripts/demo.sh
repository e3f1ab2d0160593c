#!/usr/bin/env bash
# Demo of the media layer (later issues replace it with the full search demo): sets the machine up, then probes the
# real clips in ../shared/data/real and writes 12 CLIP4Clip-sampled frames per clip plus a contact sheet into ./out/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION="${CONFIGURATION:-Release}"
scripts/setup.sh

clips="${VIDSEARCH_SHARED:-../shared}/data/real"
vidsearch() { dotnet "src/VidSearch.Cli/bin/$CONFIGURATION/net10.0/linux-x64/vidsearch.dll" "$@"; }

mkdir -p out
echo "== vidsearch probe $clips"
vidsearch probe "$clips" | tee out/probe.txt
vidsearch probe "$clips" --json > out/probe.json
echo "== vidsearch frames $clips --strategy clip4clip:12 --out out/frames"
vidsearch frames "$clips" --strategy clip4clip:12 --out out/frames
echo "demo: probe table in out/probe.txt (JSON: out/probe.json), frames and contact sheets in out/frames/"
