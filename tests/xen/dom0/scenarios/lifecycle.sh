# Scenario 5: the toolstack takes devices away while they play.
#   1. guest life1 plays a long signal; `xl vsnd-detach` removes its card mid-play: the
#      backend must reach Closed within 10 s (libxl waits that long, then gives up)
#   2. guest life2 (a new domain) plays a signal, bit-exact, then a long one; `xl destroy`
#      mid-play: again Closed within 10 s, and the backend keeps running throughout
# verdicts: lifecycle
# needs: backend
. /e2e/lib.sh
. /e2e/signals.sh
fail() { verdict lifecycle FAIL "$*"; dump_state; exit 1; }

start_backend || fail "xensnd-backend did not start"

# watch_closed DOMID OUT: records (in ms since boot) when the device's backend node first
# reads Closed (6) or is removed, polling every 50 ms; runs in the background.
watch_closed() {
    while :; do
        s=$(backend_state $1 0)
        if [ "$s" = 6 ] || [ "$s" = gone ]; then echo "$(now_ms) $s" > "$2"; return; fi
        usleep 50000
    done
}

# wait_sink_grows DOMID: until the stream's sink holds more than 64 KiB (the play is on).
wait_sink_grows() {
    local end
    end=$(deadline 30)
    while before "$end"; do
        [ "$(stat -c %s "$(sink_of $1 0)" 2>/dev/null || echo 0)" -gt 65536 ] && return 0
        usleep 100000
    done
    return 1
}

# ---- 1. vsnd-detach while playing ----
d1=$(create_guest life1 kernel-frontend.cfg play xensnd_steps=play:SIG_LONG) || fail "xl create life1 failed"
wait_guest_key life1 playing . 60 || fail "life1 never started playing"
wait_sink_grows $d1 || fail "life1's sink never grew"
watch_closed $d1 "$E2E_RUN/closed1" &
watcher=$!
t0=$(now_ms)
xl vsnd-detach life1 0 > "$E2E_RUN/detach.log" 2>&1
detach_rc=$?
detach_ms=$(( $(now_ms) - t0 ))
sleep 1
kill $watcher 2>/dev/null
closed1=$(cat "$E2E_RUN/closed1" 2>/dev/null)
closed1_ms=${closed1:+$(( ${closed1%% *} - t0 ))}
frames1=$(frames_of "$(sink_of $d1 0)")
backend_running || fail "the backend died after vsnd-detach"
xl destroy life1
step1="detach rc=$detach_rc in ${detach_ms} ms, backend Closed after ${closed1_ms:-never} ms, $frames1 frames played before"
say "$step1"
sed 's/^/  xl: /' "$E2E_RUN/detach.log"

# ---- 2. a new guest: served, bit-exact; then destroyed while playing ----
d2=$(create_guest life2 kernel-frontend.cfg play xensnd_steps=play:SIG_MAIN,go:again,play:SIG_LONG) ||
    fail "$step1; xl create life2 failed"
wait_guest_key life2 played '^SIG_MAIN' 60 || fail "$step1; life2 did not play"
gen_signal "$E2E_RUN/ref.wav" $SIG_MAIN
exact=$(xen-e2e-wav compare padded "$E2E_RUN/ref.wav" "$(sink_of $d2 0)" $MAX_PAD_FRAMES)
go_guest $d2 again
wait_guest_key life2 playing '^SIG_LONG' 60 || fail "$step1; life2 did not start its second play"
sleep 1
wait_sink_grows $d2 || fail "$step1; life2's second sink never grew"
watch_closed $d2 "$E2E_RUN/closed2" &
watcher=$!
t0=$(now_ms)
xl destroy life2 > "$E2E_RUN/destroy.log" 2>&1
destroy_rc=$?
destroy_ms=$(( $(now_ms) - t0 ))
sleep 1
kill $watcher 2>/dev/null
closed2=$(cat "$E2E_RUN/closed2" 2>/dev/null)
closed2_ms=${closed2:+$(( ${closed2%% *} - t0 ))}
step2="new guest domid $d2: $exact; destroy rc=$destroy_rc in ${destroy_ms} ms, backend Closed after ${closed2_ms:-never} ms"
say "$step2"
sed 's/^/  xl: /' "$E2E_RUN/destroy.log"
running=yes
backend_running || running=no

ok=1
[ "$detach_rc" = 0 ] && [ -n "$closed1_ms" ] && [ "$closed1_ms" -le 10000 ] || ok=0
[ "$destroy_rc" = 0 ] && [ -n "$closed2_ms" ] && [ "$closed2_ms" -le 10000 ] || ok=0
case "$exact" in ok*) ;; *) ok=0 ;; esac
grep -q -i -E 'timed? ?out' "$E2E_RUN/detach.log" "$E2E_RUN/destroy.log" && ok=0
[ $running = yes ] || ok=0
if [ $ok = 1 ]; then
    verdict lifecycle PASS "$step1; $step2; backend running"
else
    verdict lifecycle FAIL "$step1; $step2; backend running=$running"
fi
stop_backend || ok=0
[ $ok = 1 ] || dump_state
