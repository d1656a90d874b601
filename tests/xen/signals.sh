# The test signals, shared by dom0 and the guests (copied into both images): each is the
# arguments of `xen-e2e-wav gen OUT ...` (format rate channels frames seed), so both ends
# regenerate the same bytes instead of shipping them.
SIG_MAIN="s16 48000 2 96000 11"      # scenario 1: S16_LE 48 kHz stereo, 2 s
SIG_ALT="s32 44100 1 44100 12"       # scenario 1: S32_LE 44.1 kHz mono, 1 s
SIG_CAPTURE="s16 48000 2 240000 7"   # scenario 2: the backend's capture source, 5 s
CAPTURE_FRAMES=96000                 #   of which the guest records the first 2 s
SIG_AGAIN1="s16 48000 2 24000 21"    # scenario 3: two plays in a row, 0.5 s each
SIG_AGAIN2="s16 48000 2 24000 22"
SIG_XRUN="s16 48000 2 48000 23"      # scenario 3: 1 s with a 2 s pause in the middle
XRUN_SPLIT_BYTES=96044               #   header + the first 0.5 s
SIG_LONG="s16 48000 2 1440000 31"    # scenario 5: 30 s, interrupted by the toolstack
SIG_GUEST_A="s16 48000 2 96000 41"   # scenario 6: one signal per guest
SIG_GUEST_B="s16 48000 2 96000 42"
SIG_USER="s16 48000 2 96000 51"      # scenario 4: through pcm.xen
# Silence may follow a played signal: aplay pads its last period, and the guest kernel's
# drain may fill silence (up to a buffer): at most 64 KiB + 32 KiB of snd_xen_front's
# buffer and period, 24576 frames of the 4-byte frames used here. It must be zeros.
MAX_PAD_FRAMES=24576

gen_signal() { # OUT RECIPE...
    local out=$1
    shift
    xen-e2e-wav gen "$out" "$@"
}
