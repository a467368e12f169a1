#!/usr/bin/env bash
# Benchmark sshfleet against Netmiko, Scrapli and Ansible on the same
# simulated ESA fleet (see bench/README.md).
#
#   bench/run.sh [--sizes 10,100,500] [--dry-run] [--help] [harness options]
#
# Creates bench/.venv and installs the pinned peers (requirements.txt) from
# PyPI, builds sshfleet --release, then runs bench/harness.py, which prints
# the markdown table. --dry-run only checks that the scripts parse and
# answer --help: no virtualenv, no network, no build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
python="${PYTHON:-python3}"

for arg in "$@"; do
  case "$arg" in
    --dry-run) exec "$python" "$here/harness.py" --dry-run ;;
    -h|--help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      echo
      exec "$python" "$here/harness.py" --help ;;
  esac
done

if [ ! -x "$here/.venv/bin/python" ]; then
  "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

(cd "$repo" && cargo build --release --quiet)
binary="${CARGO_TARGET_DIR:-$repo/target}/release/sshfleet"

exec "$here/.venv/bin/python" "$here/harness.py" --sshfleet "$binary" "$@"
