#!/usr/bin/env bash
# Configures (once) and builds one meson tree. Usage: scripts/build.sh DIR [meson setup options...]
set -euo pipefail
dir=$1
shift
if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
else
    meson setup "$dir" "$@" >/dev/null
fi
meson compile -C "$dir" >/dev/null || meson compile -C "$dir"
