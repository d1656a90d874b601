#!/bin/sh
# A stand-in vsnd backend for the harness self-check: it moves each device's backend node
# through the XenBus handshake (InitWait once libxl creates it, Connected once the frontend
# is Initialised, Closed once the frontend closes) and never touches the rings. It proves the
# images, Xen, libxl and the guest's snd_xen_front work, independently of xensnd.
ROOT=/local/domain/0/backend/vsnd
while :; do
    for dom in $(xenstore-list $ROOT 2>/dev/null); do
        for dev in $(xenstore-list $ROOT/$dom 2>/dev/null); do
            be=$ROOT/$dom/$dev
            bstate=$(xenstore-read $be/state 2>/dev/null) || continue
            fe=$(xenstore-read $be/frontend 2>/dev/null) || continue
            fstate=$(xenstore-read $fe/state 2>/dev/null || echo gone)
            next=""
            case "$bstate:$fstate" in
                1:*) next=2 ;;
                2:3) next=4 ;;
                4:5 | 4:6 | 4:gone) next=6 ;;
            esac
            if [ -n "$next" ]; then
                xenstore-write $be/state $next
                echo "stub: $be $bstate -> $next (frontend $fstate) t=$(cut -d' ' -f1 /proc/uptime)"
            fi
        done
    done
    usleep 200000
done
