# Guest half of the harness self-check: does Linux's frontend find and connect its card?
if load_kernel_frontend; then
    report card "$(sed -n 's/^ *0 \[\([^]]*\)\].*/\1/p' /proc/asound/cards | tr -d ' ')"
    report pcms "$(cut -d: -f1,2 /proc/asound/pcm | tr '\n' ' ')"
fi
for d in /sys/bus/xen/devices/vsnd-*; do
    [ -d "$d" ] && report xenbus "$(basename "$d") state=$(cat "$d/state")"
done
