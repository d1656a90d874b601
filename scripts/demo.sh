#!/usr/bin/env bash
# The README's main job: the loopback demo. On one Linux host with no Xen it
#   1. starts the loopback hypervisor (XenStore, event channels, grants) with domains 0 and 1,
#   2. starts xensnd-backend in domain 0 with WAV endpoints (playback -> a WAV sink file,
#      capture <- a WAV source file),
#   3. creates a vsnd device for domain 1 as libxl would (one playback, one capture stream),
#   4. plays a generated tone with stock `aplay -D xen` through the pcm.xen plugin (domain 1),
#      and captures it back with stock `arecord -D xen`,
#   5. checks both directions bit-exact and prints frames, xruns and CUR_POS latency,
#   6. stops everything and exits 0 (1 if anything failed).
# Options: --seconds N (default 3), --rate R (48000), --keep (keep the work directory),
# --no-build (use the build tree as it is), --build-dir DIR (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=3
rate=48000
keep=0
build_first=1
build=$root/build
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --no-build) build_first=0; shift ;;
        --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

if [ $build_first = 1 ]; then
    scripts/bootstrap.sh
    scripts/build.sh "$build" >/dev/null
fi

plugin=$build/frontend-user/libasound_module_pcm_xen.so
for f in "$build/loopback/xensnd-loopback" "$build/loopback/toolstack/xensnd-xl" \
         "$build/backend/daemon/xensnd-backend" "$plugin"; do
    [ -e "$f" ] || { echo "demo: $f was not built" >&2; exit 1; }
done

work=$(mktemp -d /tmp/xensnd-demo.XXXXXX)
pids=()
cleanup() {
    local rc=$?
    for ((i=${#pids[@]}-1; i>=0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    if [ $keep = 1 ] || [ $rc != 0 ]; then
        echo "demo: logs and files kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Waits until file $1 holds a line "ready" (bounded).
wait_ready() {
    for _ in $(seq 1 100); do
        grep -q '^ready$' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "demo: $2 did not become ready; its log:" >&2
    cat "$1" >&2
    return 1
}

echo "== xensnd loopback demo (work directory $work)"
python3 scripts/demo_tools.py tone "$work/tone.wav" --rate "$rate" --seconds "$seconds"

# 1. The hypervisor stand-in.
"$build/loopback/xensnd-loopback" --rundir "$work/run" --domains 0,1 >"$work/loopback.log" 2>&1 &
pids+=($!)
wait_ready "$work/loopback.log" "the loopback hypervisor"
dom0=$work/run/xenstore/domain-0.sock
dom1=$work/run/xenstore/domain-1.sock

# 2. The backend in domain 0: the guest's playback goes into a WAV file, its capture reads
#    the tone.
cat >"$work/backend.toml" <<CONF
[routing]
default = "null"

[[route]]
direction = "playback"
endpoint = "wav:$work/played-{pcm}-{stream}.wav"

[[route]]
direction = "capture"
endpoint = "wav:$work/tone.wav"
CONF
XENSTORED_PATH=$dom0 "$build/backend/daemon/xensnd-backend" --platform loopback \
    --config "$work/backend.toml" --ready-fd 1 --cur-pos-trace "$work/backend-cur-pos.trace" \
    >"$work/backend.log" 2>&1 &
pids+=($!)
wait_ready "$work/backend.log" "xensnd-backend"

# 3. The device, as `xl` would create it from a vsnd= line.
XENSTORED_PATH=$dom0 "$build/loopback/toolstack/xensnd-xl" vsnd-attach 1 \
    "card, short-name=Demo, sample-rates=$rate, sample-formats=s16_le, channels-min=2, channels-max=2" \
    'pcm, name=Main' 'stream, unique-id=0, type=p' 'stream, unique-id=1, type=c' \
    >"$work/xl.log" 2>&1 || { cat "$work/xl.log" >&2; exit 1; }

# 4. The guest (domain 1): stock aplay/arecord through the build tree's pcm.xen.
cat >"$work/asoundrc" <<CONF
pcm_type.xen { lib "$plugin" }
pcm.xen { type xen device 0 platform loopback }
CONF
guest_env=(env "XENSTORED_PATH=$dom1" "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$work/asoundrc"
           "XENSND_CUR_POS_TRACE=$work/plugin-cur-pos.trace")
frames=$(python3 -c "import wave; print(wave.open('$work/tone.wav').getnframes())")
status=0
"${guest_env[@]}" aplay -q -D xen "$work/tone.wav" 2>"$work/aplay.log" || {
    echo "demo: aplay failed:" >&2; cat "$work/aplay.log" >&2; status=1; }
"${guest_env[@]}" arecord -q -D xen -f S16_LE -c 2 -r "$rate" -s "$frames" "$work/captured.wav" \
    2>"$work/arecord.log" || {
    echo "demo: arecord failed:" >&2; cat "$work/arecord.log" >&2; status=1; }

# 5. Stop the backend first so that it closes (and finalises) the WAV files, then check.
kill -TERM "${pids[1]}"; wait "${pids[1]}" || { echo "demo: xensnd-backend did not exit 0" >&2; status=1; }
unset 'pids[1]'; pids=("${pids[@]}")

echo "== report"
python3 scripts/demo_tools.py compare "$work/tone.wav" "$work/played-0-0.wav" \
    --label "playback (aplay -> pcm.xen -> backend WAV sink)" || status=1
python3 scripts/demo_tools.py compare "$work/tone.wav" "$work/captured.wav" \
    --label "capture  (backend WAV source -> pcm.xen -> arecord)" || status=1
xruns=$(cat "$work/aplay.log" "$work/arecord.log" | grep -c -i -E 'underrun|overrun|xrun' || true)
echo "xruns reported by aplay/arecord: $xruns"
python3 scripts/demo_tools.py latency "$work/backend-cur-pos.trace" "$work/plugin-cur-pos.trace" || status=1
grep -E "stream ended" "$work/backend.log" | sed 's/^xensnd-backend info: /backend: /' || true

if [ $status = 0 ]; then echo "demo: PASS"; else echo "demo: FAIL"; fi
exit $status
