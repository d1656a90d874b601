#!/usr/bin/env bash
# pcm.xen against the REAL backend on the loopback platform, with stock alsa-utils:
#   - aplay / arecord round trips, bit-exact, covering every format (U8, S16_LE, S24_LE,
#     S32_LE, FLOAT_LE), rate (8000, 44100, 48000, 96000) and channel count (1, 2, 6);
#   - speaker-test plays and the backend's WAV sink receives its frames;
#   - xensnd-alsa-exercise: mmap playback, pause/resume, an xrun and its recovery (all
#     bit-exact), playback + capture of one device in one process, and a second process
#     refused with EBUSY while the first holds the device;
#   - the backend killed under a playing aplay: aplay fails; a restarted backend serves the
#     next aplay, bit-exact;
#   - ctl.xen through stock amixer: -6.02 dB and mute show in the WAV sink's samples.
# One vsnd device: PCM 0 has the playback stream (unique-id p0, recorded into a WAV sink per
# OPEN) and one capture stream per capture case (unique-id cN, reading its own WAV source).
#
#   real_backend.sh BUILD_DIR EXERCISE_BIN
# Exit status 0 when every case passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
exercise=$2
tools="python3 $here/e2e_audio.py"
plugin=$build/frontend-user/libasound_module_pcm_xen.so
ctl_plugin=$build/frontend-user/libasound_module_ctl_xen.so
backend_bin=$build/backend/daemon/xensnd-backend

work=$(mktemp -d /tmp/xensnd-e2e.XXXXXX)
pids=()
backend_pid=
status=0
cleanup() {
    [ -n "$backend_pid" ] && { kill -TERM "$backend_pid" 2>/dev/null; wait "$backend_pid" 2>/dev/null; }
    for ((i=${#pids[@]}-1; i>=0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    if [ $status = 0 ]; then rm -rf "$work"; else echo "e2e: files kept in $work" >&2; fi
}
trap cleanup EXIT

pass() { echo "ok   $1 [${SECONDS}s]"; }
fail() { echo "FAIL $1${2:+: $2} [${SECONDS}s]"; status=1; }

wait_ready() {  # FILE WHAT
    for _ in $(seq 1 150); do
        grep -q '^ready$' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "e2e: $2 did not become ready:" >&2; cat "$1" >&2; exit 1
}

# Playback cases (format rate channels) and capture cases: every value of each at least once.
play_cases=("S16_LE 48000 2" "S24_LE 96000 6" "S32_LE 8000 1" "FLOAT_LE 44100 2" "U8 44100 6")
cap_cases=("S16_LE 48000 2" "S24_LE 44100 1" "S32_LE 96000 6" "FLOAT_LE 8000 2" "U8 48000 1")
clip=0.3

# Every clip, in one python run (the capture sources must exist before the backend probes
# them). Checks are queued in $checks and run together at the end (check-many), on copies
# of the sink's file: it is rewritten at every OPEN.
n=1
for c in "${cap_cases[@]}"; do
    set -- $c
    echo "$1 $2 $3 $clip $work/src-c$n.raw --wav $work/src-c$n.wav --seed $((n + 50))"
    n=$((n + 1))
done >"$work/make.txt"
n=1
for c in "${play_cases[@]}"; do
    set -- $c
    echo "$1 $2 $3 $clip $work/play-$n.raw --seed $n"
    n=$((n + 1))
done >>"$work/make.txt"
echo "S16_LE 48000 2 0.5 $work/ex.raw --seed 99" >>"$work/make.txt"
echo "S16_LE 48000 2 3 $work/long.raw --seed 7" >>"$work/make.txt"
$tools make-many "$work/make.txt" || { echo "e2e: making the clips failed" >&2; exit 1; }
checks=$work/checks.txt
: >"$checks"
k=0
# check LABEL COMMAND...: the sink's current file is kept for the check.
check() {
    local label=$1; shift
    k=$((k + 1))
    cp "$played" "$work/sink-$k.wav" 2>/dev/null
    local args=()
    for a in "$@"; do [ "$a" = SINK ] && args+=("$work/sink-$k.wav") || args+=("$a"); done
    printf '%s\t%s\n' "$label" "${args[*]}" >>"$checks"
}

"$build/loopback/xensnd-loopback" --rundir "$work/run" --domains 0,1 >"$work/loopback.log" 2>&1 &
pids+=($!)
wait_ready "$work/loopback.log" "the loopback hypervisor"
dom0=$work/run/xenstore/domain-0.sock
dom1=$work/run/xenstore/domain-1.sock

cat >"$work/backend.toml" <<CONF
[routing]
default = "null"

[[route]]
direction = "playback"
endpoint = "wav:$work/played-{unique-id}.wav"

[[route]]
direction = "capture"
endpoint = "wav:$work/src-{unique-id}.wav"
CONF
start_backend() {
    XENSTORED_PATH=$dom0 "$backend_bin" --platform loopback --config "$work/backend.toml" \
        --ready-fd 1 >>"$work/backend.log" 2>&1 &
    backend_pid=$!
    for _ in $(seq 1 150); do
        [ "$(grep -c '^ready$' "$work/backend.log" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.1
    done
    echo "e2e: xensnd-backend did not become ready:" >&2; cat "$work/backend.log" >&2; exit 1
}
start_backend 1

items=("card, short-name=E2E, sample-rates=8000;44100;48000;96000, sample-formats=u8;s16_le;s24_le;s32_le;f32_le, channels-min=1, channels-max=6, buffer-size=262144"
       "pcm, name=Main" "stream, unique-id=p0, type=p")
for ((n=1; n<=${#cap_cases[@]}; n++)); do items+=("stream, unique-id=c$n, type=c"); done
XENSTORED_PATH=$dom0 "$build/loopback/toolstack/xensnd-xl" vsnd-attach 1 "${items[@]}" \
    >"$work/xl.log" 2>&1 || { cat "$work/xl.log" >&2; exit 1; }

{
    echo "pcm_type.xen { lib \"$plugin\" }"
    echo "pcm.xen { type xen device 0 platform loopback }"
    echo "ctl_type.xen { lib \"$ctl_plugin\" }"
    echo "ctl.xen { type xen device 0 platform loopback }"
    # Stream 0 plays; capture case N is stream N.
    for ((n=1; n<=${#cap_cases[@]}; n++)); do
        echo "pcm.xencap$n { type xen device 0 platform loopback stream $n }"
    done
} >"$work/asoundrc"
guest=(env "XENSTORED_PATH=$dom1" "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$work/asoundrc")
played=$work/played-p0.wav

# --- aplay: every playback case, bit-exact in the backend's WAV sink.
n=1
for c in "${play_cases[@]}"; do
    set -- $c
    name="aplay $1 $2 Hz x $3"
    if "${guest[@]}" aplay -q -D xen -t raw -f "$1" -r "$2" -c "$3" "$work/play-$n.raw" \
        2>"$work/aplay-$n.log"; then
        check "$name" starts SINK "$work/play-$n.raw"
    else
        fail "$name" "$(cat "$work/aplay-$n.log")"
    fi
    n=$((n + 1))
done

# --- arecord: every capture case, bit-exact from the backend's WAV source.
n=1
for c in "${cap_cases[@]}"; do
    set -- $c
    name="arecord $1 $2 Hz x $3"
    frames=$(python3 -c "print(int($2 * $clip))")
    if "${guest[@]}" arecord -q -D "xencap$n" -t raw -f "$1" -r "$2" -c "$3" -s "$frames" \
        "$work/rec-$n.raw" 2>"$work/arecord-$n.log"; then
        check "$name" equal "$work/rec-$n.raw" "$work/src-c$n.raw"
    else
        fail "$name" "$(cat "$work/arecord-$n.log")"
    fi
    n=$((n + 1))
done

# --- speaker-test: a short sine on the left speaker; the sink receives its frames.
if "${guest[@]}" timeout 30 speaker-test -D xen -c 2 -r 48000 -F S16_LE -t sine -s 1 \
    >"$work/speaker-test.log" 2>&1; then
    check "speaker-test" frames SINK 4800
else
    fail "speaker-test" "$(tail -5 "$work/speaker-test.log")"
fi

# --- xensnd-alsa-exercise: mmap, pause/resume, xrun recovery, each bit-exact.
for mode in mmap-play pause-play xrun-play; do
    if "${guest[@]}" "$exercise" "$mode" xen S16_LE 48000 2 "$work/ex.raw" \
        >"$work/$mode.out" 2>"$work/$mode.log"; then
        # The backend's WAV sink starts a new file at every OPEN: after an xrun's recovery
        # (a fresh OPEN) it holds what was played from there on.
        skip=$(sed -n 's/^recovered at byte //p' "$work/$mode.out")
        check "$mode" starts SINK "$work/ex.raw" "${skip:-0}"
    else
        fail "$mode" "$(cat "$work/$mode.log")"
    fi
done

# --- playback and capture of one device in one process (capture case 1 is S16_LE 48000 x 2).
if "${guest[@]}" "$exercise" duplex xen S16_LE 48000 2 "$work/ex.raw" "$work/duplex.raw" 14400 \
    2>"$work/duplex.log"; then
    check "duplex: playback in one process with capture" starts SINK "$work/ex.raw"
    check "duplex: capture in one process with playback" equal "$work/duplex.raw" "$work/src-c1.raw"
else
    fail "duplex" "$(cat "$work/duplex.log")"
fi

# --- a second process is refused while the first holds the device.
coproc HOLD { "${guest[@]}" "$exercise" hold xen 2>"$work/hold.log"; }
read -r -t 20 line <&"${HOLD[0]}" || line=
if [ "$line" = held ]; then
    if "${guest[@]}" aplay -q -D xen -t raw -f S16_LE -r 48000 -c 2 "$work/ex.raw" \
        2>"$work/busy.log"; then
        fail "EBUSY for a second process" "aplay played while another process held the device"
    elif grep -q "in use by another process" "$work/busy.log" && grep -qi "busy" "$work/busy.log"; then
        pass "EBUSY for a second process"
    else
        fail "EBUSY for a second process" "$(cat "$work/busy.log")"
    fi
else
    fail "EBUSY for a second process" "the holder did not open: $(cat "$work/hold.log")"
fi
eval "exec ${HOLD[1]}>&-"
wait "$HOLD_PID" 2>/dev/null
# Released: the next process plays at once.
if "${guest[@]}" aplay -q -D xen -t raw -f S16_LE -r 48000 -c 2 "$work/ex.raw" 2>"$work/after.log"; then
    check "the device is free after the holder closed" starts SINK "$work/ex.raw"
else
    fail "after the holder" "$(cat "$work/after.log")"
fi

# --- the backend dies under a playing aplay; a restarted backend serves the next one.
"${guest[@]}" aplay -q -D xen -t raw -f S16_LE -r 48000 -c 2 "$work/long.raw" 2>"$work/lost.log" &
aplay_pid=$!
sleep 0.7
kill -KILL "$backend_pid"; wait "$backend_pid" 2>/dev/null; backend_pid=
if wait "$aplay_pid"; then
    fail "aplay sees the backend vanish" "aplay exited 0"
else
    pass "aplay sees the backend vanish ($(grep -o -m1 -E 'No such device|Input/output error' "$work/lost.log" || echo error))"
fi
start_backend 2
if "${guest[@]}" aplay -q -D xen -t raw -f S16_LE -r 48000 -c 2 "$work/ex.raw" 2>"$work/again.log"; then
    check "a restarted backend serves the next aplay" starts SINK "$work/ex.raw"
else
    fail "after the restart" "$(cat "$work/again.log")"
fi

# --- ctl.xen (another process than the player): -6.02 dB, then mute, in the sink's samples.
mixer_case() {  # NAME EXPECTED AMIXER-ARGS...
    local name=$1 expected=$2; shift 2
    if ! "${guest[@]}" amixer -q -D xen "$@" >"$work/amixer.log" 2>&1; then
        fail "$name" "amixer: $(cat "$work/amixer.log")"; return
    fi
    if "${guest[@]}" aplay -q -D xen -t raw -f S16_LE -r 48000 -c 2 "$work/ex.raw" 2>"$work/mixed.log"; then
        check "$name" scaled SINK "$work/ex.raw" "$expected"
    else
        fail "$name" "$(cat "$work/mixed.log")"
    fi
}
mixer_case "ctl.xen PCM -6.02 dB" -6020 -- sset PCM -6.02dB
mixer_case "ctl.xen PCM mute" mute sset PCM mute
mixer_case "ctl.xen PCM unmute, 0 dB: bit-exact again" 0 sset PCM unmute 0dB

$tools check-many "$checks" || status=1
[ $status = 0 ] && echo "e2e: PASS" || echo "e2e: FAIL"
exit $status
