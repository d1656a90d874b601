#!/usr/bin/env bash
# The real-Xen end-to-end tests (tests/xen): Xen 4.17 + a dom0 running xensnd-backend + guests
# with Linux's snd_xen_front or pcm.xen, booted under QEMU software emulation. Installs the
# Debian packages they need (as root), builds build-xen/ and runs the boots one after the
# other; extra arguments go to `meson test` (e.g. xen_kernel_frontend to run one boot).
# Each boot takes 2-6 minutes on 2 cores, which is why the main suite (scripts/test.sh) does
# not run them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh --xen
scripts/build.sh build-xen -Dunit_tests=false -Dxen_e2e=true
exec meson test -C build-xen --suite xen --print-errorlogs "$@"
