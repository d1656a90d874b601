# Scenarios 1-3 in one guest driven by Linux's snd_xen_front (guests/kernel-frontend.cfg,
# guest task domu/tasks/kernel-frontend.sh):
#   kernel-playback  aplay plays S16_LE 48 kHz stereo and S32_LE 44.1 kHz mono; each sink
#                    must be the signal, bit-exact (plus aplay's silence padding)
#   kernel-capture   arecord records the backend's WAV source, bit-exact
#   kernel-restart   two plays in a row on one stream, then a play with an underrun in the
#                    middle: every sink bit-exact, no stale samples (the paused play: all of
#                    the signal in order, silence only where the guest underran), hw_ptr sane
# verdicts: kernel-playback kernel-capture kernel-restart
# needs: backend
. /e2e/lib.sh
. /e2e/signals.sh
ALL="kernel-playback kernel-capture kernel-restart"
fail_all() { for v in $ALL; do verdict $v FAIL "$*"; done; dump_state; exit 1; }

start_backend || fail_all "xensnd-backend did not start"
G=kfront
domid=$(create_guest $G kernel-frontend.cfg kernel-frontend) || fail_all "xl create failed"
t0=$(now_ms)

# The restart steps: keep each play's sink before the guest opens the stream again.
for step in again-1 again-2; do
    if wait_guest_key $G step "^$step" 120; then
        cp "$(sink_of $domid 3)" "$E2E_RUN/$step.wav" 2>/dev/null
    fi
    go_guest $domid $step
done
finish_guest $G 120 || say "guest $G did not finish"
play_s=$(( ($(now_ms) - t0) / 1000 ))

failed=0
# check NAME RECIPE SINK [MODE]: one sink against the signal its recipe makes (MODE of
# xen-e2e-wav compare, padded by default)
check() {
    gen_signal "$E2E_RUN/ref.wav" $2
    local r
    r=$(xen-e2e-wav compare "${4:-padded}" "$E2E_RUN/ref.wav" "$3" $MAX_PAD_FRAMES)
    echo "$1: $r"
    case "$r" in ok*) return 0 ;; *) return 1 ;; esac
}

out=$( { check s16/48k/2ch "$SIG_MAIN" "$(sink_of $domid 0)" && check s32/44.1k/1ch "$SIG_ALT" "$(sink_of $domid 2)"; } 2>&1 | tr '\n' ' ')
if echo "$out" | grep -q mismatch || [ -z "$out" ]; then
    verdict kernel-playback FAIL "$out guest: main[$(result $G play-main)] alt[$(result $G play-alt)]"
    failed=1
else
    verdict kernel-playback PASS "$out $(cur_pos_note $domid)"
fi

cap=$(result $G capture)
case "$cap" in
    ok*) verdict kernel-capture PASS "$cap" ;;
    *) verdict kernel-capture FAIL "${cap:-no result from the guest} [arecord $(result $G capture-rc)]"; failed=1 ;;
esac

out=$( { check again-1 "$SIG_AGAIN1" "$E2E_RUN/again-1.wav" && check again-2 "$SIG_AGAIN2" "$E2E_RUN/again-2.wav" && check xrun "$SIG_XRUN" "$(sink_of $domid 3)" gapped; } 2>&1 | tr '\n' ' ')
xr=$(result $G xrun)
if echo "$out" | grep -q mismatch || [ -z "$out" ] || ! echo "$xr" | grep -q 'rc=0 .*pointers_sane' ||
    echo "$xr" | grep -q 'underruns=0 '; then
    verdict kernel-restart FAIL "$out guest: [$xr]"
    failed=1
else
    verdict kernel-restart PASS "$out guest: [$xr]"
fi
say "guest played and recorded for ${play_s} s"
stop_backend || failed=1
[ $failed = 0 ] || dump_state
