# Harness self-check (not a scenario of xensnd): with a shell stub in place of the backend,
# libxl creates the vsnd device, the guest's snd_xen_front connects and its card appears.
# A failure here is the harness's or the machine's, not xensnd's.
. /e2e/lib.sh
mkdir -p "$E2E_RUN"
/e2e/stub-backend.sh > "$E2E_RUN/stub.log" 2>&1 &
stub=$!
domid=$(create_guest selfcheck kernel-frontend.cfg self-check)
if [ -z "$domid" ]; then
    kill $stub
    verdict self-check FAIL "xl create failed"
    exit 1
fi
finish_guest selfcheck 90
card=$(result selfcheck card)
xenbus=$(result selfcheck xenbus)
kill $stub
if [ -n "$card" ] && echo "$xenbus" | grep -q Connected; then
    verdict self-check PASS "domid=$domid card=$card $xenbus"
else
    verdict self-check FAIL "card='$card' xenbus='$xenbus'"
    sed 's/^/  /' "$E2E_RUN/stub.log"
fi
