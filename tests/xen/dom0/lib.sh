# Shell functions the dom0 scenario scripts share (busybox sh). Sourced, not run.
#
# Conventions: every scenario prints exactly one "SCENARIO <name> PASS|FAIL <details>" line
# per scenario it checks (verdict); diagnostic lines start with "E2E:". A guest prints
# "GUEST <word> ..." lines on its console, which xenconsoled logs to guest_log NAME.

E2E_RUN=/run/e2e
SINK_DIR=$E2E_RUN/sink
BACKEND_LOG=$E2E_RUN/backend.log
CAPTURE_SOURCE=$E2E_RUN/capture-source.wav

uptime_s() { cut -d' ' -f1 /proc/uptime; }
say() { echo "E2E: $* (t=$(uptime_s))"; }
verdict() { # NAME PASS|FAIL DETAILS...
    local name=$1 result=$2
    shift 2
    echo "SCENARIO $name $result $*"
}

cmdline_value() { # KEY: the value of KEY=... on the kernel command line
    tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1
}

# Milliseconds since boot, for durations and deadlines (under TCG a loop iteration that
# starts processes takes far longer than its sleep: loops count time, not iterations).
now_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
deadline() { echo $(( $(now_ms) + $1 * 1000 )); } # SECONDS from now
before() { [ "$(now_ms)" -lt "$1" ]; }             # DEADLINE not reached yet

# follow FILE LABEL: copies FILE's lines to the console as they come, so that the serial log
# tells the story even when the host has to kill the machine.
follow() {
    mkdir -p "$E2E_RUN"
    : >>"$1" # busybox tail -F never picks up a file created after it started
    tail -n +1 -F "$1" 2>/dev/null | tr -d '\r' | sed "s/^/  $2: /" &
    echo $! >> "$E2E_RUN/followers"
}
stop_following() {
    [ -f "$E2E_RUN/followers" ] && kill $(cat "$E2E_RUN/followers") 2>/dev/null
    rm -f "$E2E_RUN/followers"
}

# ---- the backend ----

# Starts xensnd-backend on the Xen platform with /e2e/backend.toml (every playback stream to
# a WAV sink in $SINK_DIR, every capture stream from $CAPTURE_SOURCE) and waits until it says
# it is serving. Extra arguments go to the daemon. 0 when ready.
start_backend() {
    if [ ! -x /usr/sbin/xensnd-backend ]; then
        say "no xensnd-backend in this image (the build has no backend executable)"
        return 1
    fi
    mkdir -p "$SINK_DIR"
    [ -f "$CAPTURE_SOURCE" ] || xen-e2e-wav gen "$CAPTURE_SOURCE" s16 48000 2 240000 7
    rm -f "$E2E_RUN/backend.ready"
    : >"$BACKEND_LOG"
    follow "$BACKEND_LOG" backend
    xensnd-backend --platform xen --config /e2e/backend.toml --ready-fd 3 "$@" \
        3>"$E2E_RUN/backend.ready" >>"$BACKEND_LOG" 2>&1 &
    echo $! > "$E2E_RUN/backend.pid"
    local end
    end=$(deadline 20)
    while before "$end"; do
        grep -q ready "$E2E_RUN/backend.ready" 2>/dev/null && { say "backend ready"; return 0; }
        kill -0 "$(cat "$E2E_RUN/backend.pid")" 2>/dev/null || break
        usleep 100000
    done
    say "backend did not become ready (its log lines are above)"
    return 1
}

backend_running() { [ -f "$E2E_RUN/backend.pid" ] && kill -0 "$(cat "$E2E_RUN/backend.pid")" 2>/dev/null; }

# SIGTERM, then up to 10 s for a clean exit. Prints the exit status unless "quiet".
stop_backend() {
    [ -f "$E2E_RUN/backend.pid" ] || return 0
    local pid
    pid=$(cat "$E2E_RUN/backend.pid")
    rm -f "$E2E_RUN/backend.pid"
    kill -TERM "$pid" 2>/dev/null || return 0
    local end
    end=$(deadline 10)
    while before "$end" && kill -0 "$pid" 2>/dev/null; do usleep 100000; done
    if kill -0 "$pid" 2>/dev/null; then
        say "backend still running 10 s after SIGTERM: killed"
        kill -KILL "$pid" 2>/dev/null
        return 1
    fi
    [ "$1" = quiet ] || say "backend stopped"
    return 0
}

# ---- guests ----

guest_log() { echo "/var/log/xen/console/guest-$1.log"; }

# create_guest NAME CFG TASK [KEY=VALUE...]: boots /e2e/guests/CFG as NAME, its init running
# task TASK; the KEY=VALUEs go on its kernel command line. Prints the domid; 0 when xl create
# succeeded.
create_guest() {
    local name=$1 cfg=$2 task=$3
    shift 3
    rm -f "$(guest_log "$name")"
    local t0
    t0=$(now_ms)
    if ! xl create "/e2e/guests/$cfg" "name=\"$name\"" \
        "extra=\"console=hvc0 loglevel=4 xensnd_task=$task $*\"" >"$E2E_RUN/xl-create-$name.log" 2>&1; then
        say "xl create $name failed:" >&2
        sed 's/^/  xl: /' "$E2E_RUN/xl-create-$name.log" >&2
        return 1
    fi
    say "guest $name created in $(( $(now_ms) - t0 )) ms" >&2
    xl domid "$name"
}

# What a guest reported (report KEY VALUE in domu/init) lives in its XenStore data directory.
guest_dir() { echo "/local/domain/$(xl domid "$1" 2>/dev/null)/data/xensnd-e2e"; }
guest_value() { xenstore-read "$(guest_dir "$1")/$2" 2>/dev/null; } # NAME KEY

# wait_guest_key NAME KEY REGEX SECONDS: until the guest reported KEY with a value matching
# REGEX (0), or the time is up or the guest is gone (1).
wait_guest_key() {
    local name=$1 key=$2 re=$3 end dir
    end=$(deadline $4)
    dir=$(guest_dir "$name")
    while before "$end"; do
        xenstore-read "$dir/$key" 2>/dev/null | grep -q -E "$re" && return 0
        xenstore-exists "${dir%/data/xensnd-e2e}" 2>/dev/null || return 1 # the guest is gone
        usleep 200000
    done
    return 1
}

# go_guest DOMID STEP: lets a guest waiting in wait_go STEP go on (through its XenStore
# data directory, which the guest can read).
go_guest() { xenstore-write "/local/domain/$1/data/xensnd-e2e-go" "$2"; }

# finish_guest NAME SECONDS: waits for the guest's "done", keeps what it reported in
# $E2E_RUN/NAME.results (KEY VALUE lines, read with result NAME KEY), lets it power off and
# waits until it is gone (destroys it after SECONDS). 0 when it reported done.
finish_guest() {
    local name=$1 rc=0 domid k
    wait_guest_key "$name" done . "$2" || rc=1
    domid=$(xl domid "$name" 2>/dev/null)
    : > "$E2E_RUN/$name.results"
    if [ -n "$domid" ]; then
        for k in $(xenstore-list "$(guest_dir "$name")" 2>/dev/null); do
            echo "$k $(guest_value "$name" "$k")" >> "$E2E_RUN/$name.results"
        done
        go_guest "$domid" exit
    fi
    wait_guest_gone "$name" 30 || xl destroy "$name" 2>/dev/null
    return $rc
}
result() { sed -n "s/^$2 //p" "$E2E_RUN/$1.results" 2>/dev/null | tail -1; } # NAME KEY

wait_guest_gone() { # NAME SECONDS
    local end
    end=$(deadline $2)
    while before "$end" && xl domid "$1" >/dev/null 2>&1; do usleep 200000; done
    ! xl domid "$1" >/dev/null 2>&1
}


# ---- checks ----

sink_of() { echo "$SINK_DIR/$1-$2.wav"; } # DOMID UNIQUE-ID (backend.toml names them so)

# check_sink NAME MODE REF SINK MAX_PAD: compares a sink with the signal the guest played,
# prints its verdict, 0 on PASS. The reference is regenerated here from the guest's recipe.
frames_of() { xen-e2e-wav info "$1" 2>/dev/null | sed -n 's/.*frames=\([0-9]*\).*/\1/p'; }

# cur_pos_note DOMID: what the backend's log says about CUR_POS events for that domain's
# streams ("n/a" when it logs no counts).
cur_pos_note() {
    local n
    n=$(grep -i -E "cur_pos|cur-pos" "$BACKEND_LOG" 2>/dev/null | grep -E "(dom|domain )$1[^0-9]|/$1/" | tail -3 | tr '\n' ';')
    [ -n "$n" ] && echo "cur_pos: $n" || echo "cur_pos: n/a (backend logs no counts)"
}

# The backend's XenBus state for a guest's vsnd device, or "gone".
backend_state() { xenstore-read "/local/domain/0/backend/vsnd/$1/$2/state" 2>/dev/null || echo gone; }
frontend_state() { xenstore-read "/local/domain/$1/device/vsnd/$2/state" 2>/dev/null || echo gone; }

# What a failed scenario's reader needs beyond the backend's and guests' lines, which are
# on the console already (follow): XenStore and the sinks.
dump_state() {
    say "---- xenstore vsnd ----"
    xenstore-ls -f /local/domain/0/backend/vsnd 2>&1 | sed 's/^/  /'
    ls -l "$SINK_DIR" 2>&1 | sed 's/^/  /'
    for f in /var/log/xen/console/guest-*.log; do
        [ -f "$f" ] || continue
        say "---- console of ${f##*/} ----"
        tr -d '\r' < "$f" | sed 's/^/  /'
    done
}
