# Scenario 6: two guests play at the same time, each through its own vsnd device served by the
# one backend; each sink must be its guest's signal, bit-exact.
# verdicts: two-guests
# needs: backend
. /e2e/lib.sh
. /e2e/signals.sh
fail() { verdict two-guests FAIL "$*"; dump_state; exit 1; }

start_backend || fail "xensnd-backend did not start"
da=$(create_guest duo-a kernel-frontend.cfg play xensnd_steps=go:play,play:SIG_GUEST_A) || fail "xl create duo-a failed"
db=$(create_guest duo-b kernel-frontend.cfg play xensnd_steps=go:play,play:SIG_GUEST_B) || fail "xl create duo-b failed"
wait_guest_key duo-a ready . 90 || fail "duo-a has no card"
wait_guest_key duo-b ready . 90 || fail "duo-b has no card"
go_guest $da play
go_guest $db play
finish_guest duo-a 90
finish_guest duo-b 30

gen_signal "$E2E_RUN/ref-a.wav" $SIG_GUEST_A
gen_signal "$E2E_RUN/ref-b.wav" $SIG_GUEST_B
ra=$(xen-e2e-wav compare padded "$E2E_RUN/ref-a.wav" "$(sink_of $da 0)" $MAX_PAD_FRAMES)
rb=$(xen-e2e-wav compare padded "$E2E_RUN/ref-b.wav" "$(sink_of $db 0)" $MAX_PAD_FRAMES)
case "$ra/$rb" in
    ok*/ok*) verdict two-guests PASS "domid $da: $ra; domid $db: $rb" ;;
    *) fail "domid $da: $ra [$(result duo-a played)]; domid $db: $rb [$(result duo-b played)]" ;;
esac
stop_backend
