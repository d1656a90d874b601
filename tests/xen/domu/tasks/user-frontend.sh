# Guest half of scenario 4: our ALSA plugin pcm.xen is the frontend (snd_xen_front is not
# loaded); stock aplay/arecord open it as "-D xen".
. /e2e/signals.sh
load_xen_devices
report devices "$(ls /dev/xen 2>&1 | tr '\n' ' ')"
gen_signal /tmp/user.wav $SIG_USER
XENSND_LOG_LEVEL=info aplay -q -D xen /tmp/user.wav 2>/tmp/err
report play "rc=$? $(tr '\n' ' ' < /tmp/err | cut -c1-400)"
XENSND_LOG_LEVEL=info arecord -q -D xen -f S16_LE -r 48000 -c 2 -s $CAPTURE_FRAMES -t wav /tmp/cap.wav 2>/tmp/err
report capture-rc "rc=$? $(tr '\n' ' ' < /tmp/err | cut -c1-400)"
set -- $SIG_CAPTURE
xen-e2e-wav gen /tmp/cap-ref.wav $1 $2 $3 $CAPTURE_FRAMES $5
report capture "$(xen-e2e-wav compare exact /tmp/cap-ref.wav /tmp/cap.wav)"
