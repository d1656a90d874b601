#!/usr/bin/env bash
# Installs, idempotently, every Debian 12 package that building, testing and the demo need.
# Run as root on a fresh machine; does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
    # build
    g++ meson ninja-build pkg-config cmake
    liburing-dev libasound2-dev libxen-dev doctest-dev
    # log formatting, the backend's TOML config file and both halves' command lines
    libfmt-dev libtomlplusplus-dev libcli11-dev
    # fuzz targets (libFuzzer is a clang runtime)
    clang-14 libclang-rt-14-dev
    # tests and demo: stock XenStore tools against the loopback daemon, stock ALSA tools
    xenstore-utils alsa-utils python3
)
# --xen: also what tests/xen boots under QEMU (scripts/test_xen.sh): Debian's Xen, kernel,
# QEMU and busybox for the images.
if [ "${1:-}" = "--xen" ]; then
    packages+=(qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
               linux-image-amd64 busybox-static cpio)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
