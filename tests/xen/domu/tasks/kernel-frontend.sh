# Guest half of scenarios 1-3: Linux's snd_xen_front with stock aplay/arecord on hw devices
# (no conversion anywhere, so the bytes must arrive unchanged). See guests/kernel-frontend.cfg.
. /e2e/signals.sh
if load_kernel_frontend; then
    report card "$(sed -n 's/^ *0 \[\([^]]*\)\].*/\1/p' /proc/asound/cards | tr -d ' ')"

    # 1. playback at two formats/rates, each on its own PCM (so its own sink)
    gen_signal /tmp/main.wav $SIG_MAIN
    aplay -q -D hw:0,0 /tmp/main.wav 2>/tmp/err
    report play-main "rc=$? $(tr '\n' ' ' < /tmp/err)"
    gen_signal /tmp/alt.wav $SIG_ALT
    aplay -q -D hw:0,1 /tmp/alt.wav 2>/tmp/err
    report play-alt "rc=$? $(tr '\n' ' ' < /tmp/err)"

    # 2. capture from the backend's WAV source
    arecord -q -D hw:0,0 -f S16_LE -r 48000 -c 2 -s $CAPTURE_FRAMES -t wav /tmp/cap.wav 2>/tmp/err
    report capture-rc "rc=$? $(tr '\n' ' ' < /tmp/err)"
    set -- $SIG_CAPTURE
    xen-e2e-wav gen /tmp/cap-ref.wav $1 $2 $3 $CAPTURE_FRAMES $5
    report capture "$(xen-e2e-wav compare exact /tmp/cap-ref.wav /tmp/cap.wav)"

    # 3. two plays in a row on one PCM; dom0 keeps each one's sink before the next open
    gen_signal /tmp/again1.wav $SIG_AGAIN1
    gen_signal /tmp/again2.wav $SIG_AGAIN2
    aplay -q -D hw:0,2 /tmp/again1.wav 2>/tmp/err
    report step "again-1 rc=$? $(tr '\n' ' ' < /tmp/err)"
    wait_go again-1
    aplay -q -D hw:0,2 /tmp/again2.wav 2>/tmp/err
    report step "again-2 rc=$? $(tr '\n' ' ' < /tmp/err)"
    wait_go again-2

    # ... then a pause longer than the buffer in the middle of a play: aplay underruns,
    # prepares and goes on. The pointers are sampled meanwhile.
    gen_signal /tmp/xrun.wav $SIG_XRUN
    { head -c $XRUN_SPLIT_BYTES /tmp/xrun.wav; sleep 2; tail -c +$((XRUN_SPLIT_BYTES + 1)) /tmp/xrun.wav; } |
        aplay -D hw:0,2 - >/dev/null 2>/tmp/xrun.err &
    player=$!
    samples=0 moved=0 insane="" last=""
    while kill -0 $player 2>/dev/null; do
        p=$(pcm_pointers /proc/asound/card0/pcm2p/sub0/status)
        if [ -n "$p" ]; then
            set -- $p
            samples=$((samples + 1))
            [ "$1" -gt "$2" ] && insane="hw_ptr $1 > appl_ptr $2"
            [ -n "$last" ] && [ "$1" != "$last" ] && moved=$((moved + 1))
            last=$1
        fi
        usleep 100000
    done
    wait $player
    rc=$?
    report xrun "rc=$rc underruns=$(grep -c -i underrun /tmp/xrun.err) pointer_samples=$samples hw_ptr_moves=$moved ${insane:-pointers_sane}"
fi
