#!/usr/bin/env bash
# Installs what VidSearch needs on a fresh Debian 12 machine, idempotently, then restores and builds.
# Used by both README commands (demo.sh and test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: ffmpeg (decoding, encoding, probing), patchelf (TorchSharp load fix, see Directory.Build.targets),
# plus what the browser tests need (chromium, chromium-driver).
packages=(ffmpeg patchelf chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore VidSearch.slnx --verbosity quiet
dotnet build VidSearch.slnx --no-restore -c "${CONFIGURATION:-Release}" --verbosity quiet -nologo -clp:ErrorsOnly
