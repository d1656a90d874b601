#!/bin/bash
# Builds what the Xen end-to-end scenarios boot, from Debian's packages and our binaries:
#   OUT/xen              Xen 4.17, uncompressed (QEMU's multiboot loader takes ELF32 only)
#   OUT/vmlinuz          Debian's kernel, for dom0 and every guest
#   OUT/dom0-initrd.gz   busybox, the Xen tools, xensnd-backend (if given), the scenarios,
#                        and inside it the guest kernel and initramfs
#   OUT/domu-initrd.gz   busybox, the sound modules, aplay/arecord, pcm.xen (if given)
# The images are rebuilt only when an input changed (OUT/inputs.sha256 holds the key).
#
# usage: images.sh --out DIR --wav-tool PATH [--backend PATH] [--plugin PATH]
# exit 0 built or up to date, 77 a Debian package is missing (the reason on stdout), 1 error.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=""
WAV_TOOL=""
BACKEND=""
PLUGIN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift 2 ;;
        --wav-tool) WAV_TOOL=$2; shift 2 ;;
        --backend) BACKEND=$2; shift 2 ;;
        --plugin) PLUGIN=$2; shift 2 ;;
        *) echo "images.sh: unknown argument $1" >&2; exit 1 ;;
    esac
done
[ -n "$OUT" ] && [ -n "$WAV_TOOL" ] || { echo "usage: images.sh --out DIR --wav-tool PATH [--backend PATH] [--plugin PATH]" >&2; exit 1; }

XEN_GZ=/boot/xen-4.17-amd64.gz
XENBIN=/usr/lib/xen-4.17/bin
MULTIARCH=x86_64-linux-gnu
# The newest installed kernel that has its modules (override with KVER=).
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -1)}

missing=""
[ -f "$XEN_GZ" ] || missing+=" xen-hypervisor-4.17-amd64"
[ -x "$XENBIN/xl" ] || missing+=" xen-utils-4.17"
[ -n "$KVER" ] && [ -f "/boot/vmlinuz-$KVER" ] || missing+=" linux-image-amd64"
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || missing+=" busybox-static"
command -v cpio >/dev/null || missing+=" cpio"
[ -x /usr/bin/aplay ] || missing+=" alsa-utils"
if [ -n "$missing" ]; then
    echo "SKIP: missing Debian packages:$missing (tests/xen/README.md says how to install them)"
    exit 77
fi
# busybox must be the static one: the initramfs has no libc for it.
if ldd /bin/busybox >/dev/null 2>&1; then
    echo "SKIP: /bin/busybox is dynamically linked; install busybox-static"
    exit 77
fi

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

# The key: every input's content. Our binaries change with each build; Debian's files with
# each package upgrade.
inputs_key() {
    {
        find "$HERE" -type f ! -name '*.md' ! -name meson.build -print0 | sort -z | xargs -0 sha256sum
        for f in "$WAV_TOOL" "$BACKEND" "$PLUGIN"; do [ -n "$f" ] && sha256sum "$f"; done
        echo "kernel $KVER $(stat -c %s:%Y "/boot/vmlinuz-$KVER")"
        echo "xen $(stat -c %s:%Y "$XEN_GZ") $(stat -c %s:%Y "$XENBIN/xl")"
        echo "alsa $(stat -c %s:%Y /usr/bin/aplay) $(stat -c %s:%Y /usr/lib/$MULTIARCH/libasound.so.2)"
    } | sha256sum | cut -d' ' -f1
}
key=$(inputs_key)
if [ -f "$OUT/inputs.sha256" ] && [ "$(cat "$OUT/inputs.sha256")" = "$key" ] &&
   [ -f "$OUT/dom0-initrd.gz" ] && [ -f "$OUT/xen" ]; then
    echo "images up to date in $OUT"
    exit 0
fi
rm -f "$OUT/inputs.sha256"

# A root with busybox and its applets.
new_root() {
    local r=$1
    rm -rf "$r"
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,var/log,etc,root,lib/modules}
    cp /bin/busybox "$r/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
    done
}

# Kernel modules, flat in ROOT/lib/modules (busybox insmod loads files, in the order given).
add_modules() {
    local r=$1; shift
    for m in "$@"; do
        cp "$(modinfo -k "$KVER" -n "$m")" "$r/lib/modules/$m.ko"
    done
}

# FILE copied to ROOT/DEST, without debug information (our debug builds are ~10x larger).
add_file() { # ROOT FILE DEST
    mkdir -p "$1$(dirname "$3")"
    cp -L "$2" "$1$3"
    strip --strip-debug "$1$3" 2>/dev/null || true
}

# Every shared library the files load (ldd), at its own path, plus libgcc_s, which glibc
# dlopen()s for pthread_cancel (ldd cannot see it; without it `xl create` aborts).
add_libs_of() {
    local r=$1; shift
    local f lib
    for f in "$@"; do
        ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
    done | sort -u | while read -r lib; do
        mkdir -p "$r$(dirname "$lib")"
        cp -L "$lib" "$r$lib"
    done
    mkdir -p "$r/lib/$MULTIARCH"
    cp -L "/lib/$MULTIARCH/libgcc_s.so.1" "$r/lib/$MULTIARCH/"
}

pack() { # ROOT OUTPUT
    (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"
}

STAGE="$OUT/stage"
rm -rf "$STAGE"
mkdir -p "$STAGE"

zcat "$XEN_GZ" > "$STAGE/xen"
cp "/boot/vmlinuz-$KVER" "$STAGE/vmlinuz"

# ---- guest: sound modules, ALSA tools, xenstore CLI, the plugin ----
G="$STAGE/domu-root"
new_root "$G"
add_modules "$G" soundcore snd snd-timer snd-pcm xen-front-pgdir-shbuf snd_xen_front \
    xen-evtchn xen-gntalloc xen-gntdev xenfs
add_file "$G" /usr/bin/aplay /usr/bin/aplay
add_file "$G" /usr/bin/xenstore /usr/bin/xenstore
add_file "$G" "$WAV_TOOL" /usr/bin/xen-e2e-wav
add_libs_of "$G" /usr/bin/aplay /usr/bin/xenstore "$WAV_TOOL"
ln -sf aplay "$G/usr/bin/arecord"
for t in read write ls list rm exists; do ln -sf xenstore "$G/usr/bin/xenstore-$t"; done
mkdir -p "$G/usr/share/alsa" "$G/etc/alsa/conf.d"
cp -r /usr/share/alsa/alsa.conf /usr/share/alsa/cards /usr/share/alsa/pcm "$G/usr/share/alsa/"
if [ -n "$PLUGIN" ]; then
    add_file "$G" "$PLUGIN" "/usr/lib/$MULTIARCH/alsa-lib/$(basename "$PLUGIN")"
    add_libs_of "$G" "$PLUGIN"
    cp "$HERE/../../frontend-user/50-xen.conf" "$G/etc/alsa/conf.d/"
fi
mkdir -p "$G/e2e"
cp "$HERE/domu/init" "$G/init"
cp "$HERE"/domu/tasks/*.sh "$HERE/signals.sh" "$G/e2e/"
chmod +x "$G/init"
pack "$G" "$STAGE/domu-initrd.gz"

# ---- dom0: Xen tools, the backend, the scenarios, the guest images ----
R="$STAGE/dom0-root"
new_root "$R"
add_modules "$R" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
mkdir -p "$R/etc/xen" "$R/var/lib/xen" "$R/var/lib/xenstored" "$R/var/log/xen/console" \
    "$R/var/run/xen" "$R/run/xen"
for b in xl xenstored xenconsoled xen-init-dom0; do add_file "$R" "$XENBIN/$b" "$XENBIN/$b"; done
add_file "$R" /usr/bin/xenstore /usr/bin/xenstore
add_file "$R" "$WAV_TOOL" /usr/bin/xen-e2e-wav
add_libs_of "$R" "$XENBIN/xl" "$XENBIN/xenstored" "$XENBIN/xenconsoled" \
    "$XENBIN/xen-init-dom0" /usr/bin/xenstore "$WAV_TOOL"
for t in read write ls list rm exists watch; do ln -sf xenstore "$R/usr/bin/xenstore-$t"; done
cp /etc/xen/xl.conf "$R/etc/xen/" 2>/dev/null || true
if [ -n "$BACKEND" ]; then
    add_file "$R" "$BACKEND" /usr/sbin/xensnd-backend
    add_libs_of "$R" "$BACKEND"
fi
mkdir -p "$R/e2e/scenarios" "$R/e2e/guests" "$R/e2e/guest"
cp "$HERE/dom0/init" "$R/init"
cp "$HERE/dom0/lib.sh" "$HERE/signals.sh" "$HERE/dom0/backend.toml" "$HERE/dom0/stub-backend.sh" "$R/e2e/"
cp "$HERE"/dom0/scenarios/*.sh "$R/e2e/scenarios/"
cp "$HERE"/guests/*.cfg "$R/e2e/guests/"
cp "$STAGE/vmlinuz" "$R/e2e/guest/vmlinuz"
cp "$STAGE/domu-initrd.gz" "$R/e2e/guest/initrd.gz"
chmod +x "$R/init" "$R/e2e/stub-backend.sh"
pack "$R" "$STAGE/dom0-initrd.gz"

mv -f "$STAGE/xen" "$STAGE/vmlinuz" "$STAGE/domu-initrd.gz" "$STAGE/dom0-initrd.gz" "$OUT/"
rm -rf "$STAGE"
echo "$key" > "$OUT/inputs.sha256"
echo "images built in $OUT: $(du -sh "$OUT/dom0-initrd.gz" | cut -f1) dom0, $(du -sh "$OUT/domu-initrd.gz" | cut -f1) guest"
