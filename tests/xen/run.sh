#!/bin/bash
# Runs Xen end-to-end scenarios: builds the images (cached), boots Xen 4.17 + dom0 under QEMU
# (software emulation), lets dom0 run the scenario scripts, and reports one line per
# scenario verdict. One boot runs every scenario script given, in order.
#
# usage: run.sh --out DIR --wav-tool PATH [--backend PATH] [--plugin PATH] SCRIPT...
#   SCRIPT   a dom0 scenario script of dom0/scenarios/ (without .sh): self-check,
#            kernel-frontend, user-frontend, lifecycle, two-guests
# Environment: XENSND_E2E_TIMEOUT (seconds per script, default 300), XENSND_E2E_MEM (QEMU
# MiB, default 1024), XENSND_E2E_SMP (emulated CPUs, default 2), XENSND_E2E_ACCEL (tcg, the default, or kvm), XENSND_E2E_KEEP_LOGS=1
# (keep the serial log after a pass too).
# Exit status: 0 every verdict PASS, 1 a FAIL or a missing verdict, 77 cannot run here (the
# reason on stdout: a missing package or binary), 2 usage.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=""
WAV_TOOL=""
BACKEND=""
PLUGIN=""
SCRIPTS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift 2 ;;
        --wav-tool) WAV_TOOL=$2; shift 2 ;;
        --backend) BACKEND=$2; shift 2 ;;
        --plugin) PLUGIN=$2; shift 2 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) SCRIPTS+=("$1"); shift ;;
    esac
done
if [ -z "$OUT" ] || [ -z "$WAV_TOOL" ] || [ ${#SCRIPTS[@]} -eq 0 ]; then
    echo "usage: run.sh --out DIR --wav-tool PATH [--backend PATH] [--plugin PATH] SCRIPT..." >&2
    exit 2
fi

skip() { echo "SKIP: $*"; exit 77; }

command -v qemu-system-x86_64 >/dev/null ||
    skip "qemu-system-x86_64 not installed (Debian package qemu-system-x86)"
[ -x "$WAV_TOOL" ] || skip "$WAV_TOOL not built"

# The verdicts each script promises ("# verdicts: a b" in its header); a verdict that never
# comes is a FAIL, so a dom0 that dies half-way cannot pass.
EXPECTED=()
needs_backend=0
needs_plugin=0
for s in "${SCRIPTS[@]}"; do
    f="$HERE/dom0/scenarios/$s.sh"
    [ -f "$f" ] || { echo "run.sh: no scenario script $f" >&2; exit 2; }
    v=$(sed -n 's/^# verdicts: //p' "$f")
    [ -n "$v" ] || v=$s
    EXPECTED+=($v)
    grep -q '^# needs: .*backend' "$f" && needs_backend=1
    grep -q '^# needs: .*plugin' "$f" && needs_plugin=1
done
if [ $needs_backend = 1 ] && { [ -z "$BACKEND" ] || [ ! -x "$BACKEND" ]; }; then
    skip "xensnd-backend is not built (${BACKEND:-no --backend given})"
fi
if [ $needs_plugin = 1 ] && { [ -z "$PLUGIN" ] || [ ! -f "$PLUGIN" ]; }; then
    skip "the pcm.xen plugin is not built (${PLUGIN:-no --plugin given})"
fi

t_start=$(date +%s)
image_args=(--out "$OUT/images" --wav-tool "$WAV_TOOL")
[ -n "$BACKEND" ] && image_args+=(--backend "$BACKEND")
[ -n "$PLUGIN" ] && image_args+=(--plugin "$PLUGIN")
built=$(bash "$HERE/images.sh" "${image_args[@]}")
rc=$?
[ $rc -eq 77 ] && { echo "$built"; exit 77; }
[ $rc -ne 0 ] && { echo "$built"; echo "FAIL: building the images failed"; exit 1; }
echo "$built ($(( $(date +%s) - t_start )) s)"

PER_SCRIPT=${XENSND_E2E_TIMEOUT:-300}
# Booting takes ~10 s on an idle host, minutes on a loaded one; dom0 bounds each script itself.
LIMIT=$(( 180 + PER_SCRIPT * ${#SCRIPTS[@]} ))
ACCEL=${XENSND_E2E_ACCEL:-tcg}
name=$(IFS=+; echo "${SCRIPTS[*]}")
mkdir -p "$OUT/logs"
SERIAL="$OUT/logs/$name.serial.log"
QEMU_OUT="$OUT/logs/$name.qemu.log"
rm -f "$SERIAL" "$QEMU_OUT"

# Under TCG, -cpu qemu64: with "max" dom0 dies at once with a page fault under Xen.
# dom0 gets half of the memory; the guests (128 MiB each) share the rest.
MEM=${XENSND_E2E_MEM:-1024}
SMP=${XENSND_E2E_SMP:-2}
DOM0_MEM=$(( MEM / 2 ))
XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=${DOM0_MEM}M,max:${DOM0_MEM}M dom0_max_vcpus=$SMP loglvl=warning guest_loglvl=warning noreboot"
DOM0_CMDLINE="console=hvc0 earlyprintk=xen loglevel=4 xensnd_e2e=$(IFS=+; echo "${SCRIPTS[*]}") xensnd_e2e_timeout=$PER_SCRIPT"
t_boot=$(date +%s)
qemu-system-x86_64 -accel "$ACCEL" -cpu qemu64 -smp "$SMP" -m "$MEM" \
    -display none -no-reboot -monitor none -serial "file:$SERIAL" \
    -kernel "$OUT/images/xen" -append "$XEN_CMDLINE" \
    -initrd "$OUT/images/vmlinuz $DOM0_CMDLINE,$OUT/images/dom0-initrd.gz" \
    >"$QEMU_OUT" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null' EXIT

ended=""
peak_kib=0
while kill -0 $qemu 2>/dev/null; do
    if grep -q '^E2E: done' "$SERIAL" 2>/dev/null; then
        # dom0 powers off by itself; give it a moment before pulling the plug.
        for _ in $(seq 20); do kill -0 $qemu 2>/dev/null || break; sleep 0.5; done
        ended="dom0 finished"
        break
    fi
    if grep -q -E 'Panic on CPU|Hardware Dom0 crashed|Kernel panic' "$SERIAL" 2>/dev/null; then
        sleep 2
        ended="crash (see the serial log)"
        break
    fi
    if grep -q 'KVM internal error' "$QEMU_OUT" 2>/dev/null; then
        ended="KVM internal error: use XENSND_E2E_ACCEL=tcg"
        break
    fi
    if [ $(( $(date +%s) - t_boot )) -ge "$LIMIT" ]; then
        ended="timed out after $LIMIT s"
        break
    fi
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$qemu/status" 2>/dev/null)
    [ -n "$rss" ] && [ "$rss" -gt "$peak_kib" ] && peak_kib=$rss
    sleep 1
done
[ -n "$ended" ] || ended="QEMU exited"
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
trap - EXIT
boot_s=$(( $(date +%s) - t_boot ))

# The verdicts, in the order promised.
failed=0
for v in "${EXPECTED[@]}"; do
    line=$(tr -d '\r' < "$SERIAL" | grep -E "^SCENARIO $v (PASS|FAIL)" | tail -1)
    if [ -z "$line" ]; then
        echo "SCENARIO $v FAIL no verdict ($ended)"
        failed=1
    else
        echo "$line"
        case "$line" in *" FAIL"*) failed=1 ;; esac
    fi
done
echo "boot: $boot_s s ($ended), QEMU peak RSS $(( peak_kib / 1024 )) MiB, total $(( $(date +%s) - t_start )) s"
if [ $failed -ne 0 ]; then
    echo "---- last 60 lines of the serial log (all of it: $SERIAL) ----"
    tail -60 "$SERIAL" | tr -d '\r'
    exit 1
fi
[ "${XENSND_E2E_KEEP_LOGS:-0}" = 1 ] || rm -f "$SERIAL" "$QEMU_OUT"
exit 0
