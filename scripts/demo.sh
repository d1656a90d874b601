#!/usr/bin/env bash
# The README's main job. Until the frontend and backend exist it sets up, builds, and runs
# the reactor wake-up benchmark (the foundation everything else stands on); it becomes the
# loopback playback demo (aplay -D xen -> backend -> WAV, captured back) with the frontend.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh build
echo "xensnd: the playback demo needs the frontend and backend (not built yet);"
echo "xensnd: running the reactor wake-up benchmark instead."
exec build/benchmarks/reactor_wakeup "$@"
