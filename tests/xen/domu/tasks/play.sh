# A guest that plays signals on hw:0,0 through Linux's snd_xen_front, in the steps its kernel
# command line lists: xensnd_steps=STEP,STEP,... with
#   play:SIG   generate signal SIG of signals.sh and aplay it ("GUEST playing SIG", then
#              "GUEST played SIG rc=N")
#   go:NAME    wait until dom0 says NAME (wait_go)
. /e2e/signals.sh
if load_kernel_frontend; then
    report ready
    for step in $(cmdline_value xensnd_steps | tr , ' '); do
        case "$step" in
            play:*)
                sig=${step#play:}
                eval "recipe=\$$sig"
                gen_signal "/tmp/$sig.wav" $recipe
                report playing "$sig"
                aplay -q -D hw:0,0 "/tmp/$sig.wav" 2>/tmp/err
                report played "$sig rc=$? $(tr '\n' ' ' < /tmp/err)"
                ;;
            go:*) wait_go "${step#go:}" 120 ;;
            *) report error "unknown step $step" ;;
        esac
    done
fi
