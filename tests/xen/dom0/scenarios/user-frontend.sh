# Scenario 4: our frontend on the Xen platform. The guest (guests/user-frontend.cfg, task
# domu/tasks/user-frontend.sh) loads xen-evtchn, xen-gntalloc and xenfs so /dev/xen exists,
# and runs `aplay -D xen` and `arecord -D xen` through pcm.xen.
#   user-playback  the sink is the played signal, bit-exact
#   user-capture   the recording is the backend's source, bit-exact
# verdicts: user-playback user-capture
# needs: backend plugin
. /e2e/lib.sh
. /e2e/signals.sh
ALL="user-playback user-capture"
fail_all() { for v in $ALL; do verdict $v FAIL "$*"; done; dump_state; exit 1; }

start_backend || fail_all "xensnd-backend did not start"
G=ufront
domid=$(create_guest $G user-frontend.cfg user-frontend) || fail_all "xl create failed"
finish_guest $G 150 || say "guest $G did not finish"

failed=0
gen_signal "$E2E_RUN/ref.wav" $SIG_USER
r=$(xen-e2e-wav compare padded "$E2E_RUN/ref.wav" "$(sink_of $domid 0)" $MAX_PAD_FRAMES)
case "$r" in
    ok*) verdict user-playback PASS "$r $(cur_pos_note $domid)" ;;
    *) verdict user-playback FAIL "$r [aplay $(result $G play)]"; failed=1 ;;
esac
cap=$(result $G capture)
case "$cap" in
    ok*) verdict user-capture PASS "$cap" ;;
    *) verdict user-capture FAIL "${cap:-no result from the guest} [arecord $(result $G capture-rc)]"; failed=1 ;;
esac
stop_backend || failed=1
[ $failed = 0 ] || dump_state
