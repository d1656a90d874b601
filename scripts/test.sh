#!/usr/bin/env bash
# The whole test suite: set-up, then four build trees and their tests.
#   build/       g++ -O2 -g           the products, the end-to-end tests (stock aplay/arecord
#                                     through the real plugin and backend) and the benchmarks'
#                                     smoke runs (-Dunit_tests=false: built once, below)
#   build-asan/  g++ ASan+UBSan       every unit and process-level test, under the address/UB
#                                     sanitizers
#   build-tsan/  g++ TSan             the async runtime's tests (cross-thread code lives there)
#   build-fuzz/  clang-14 libFuzzer   a short run of every fuzz target
# Prints one closing line "xensnd: N passed, N failed, N skipped" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

export MESON_TESTTHREADS=${MESON_TESTTHREADS:-2}
status=0
run_tree() {
    local dir=$1
    shift
    echo "== $dir" >&2
    if ! meson test -C "$dir" --print-errorlogs "$@"; then
        status=1
    fi
}

scripts/build.sh build -Dunit_tests=false
run_tree build

# -g1: line tables only (file:line in sanitizer reports), cheaper to build than full -g.
scripts/build.sh build-asan -Dbuildtype=debug -Dcpp_args=-g1 -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbenchmarks=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_tree build-asan

scripts/build.sh build-tsan -Dparts=coro -Dbuildtype=debug -Db_sanitize=thread
# gcc 12's TSan cannot map its shadow memory with the high mmap entropy of recent kernels;
# running the TSan tests without address randomisation (setarch -R) is the way round it.
TSAN_OPTIONS=halt_on_error=1 run_tree build-tsan --wrapper "setarch $(uname -m) -R"

CXX=clang++-14 scripts/build.sh build-fuzz -Dparts=fuzz -Dbuildtype=debugoptimized
run_tree build-fuzz --suite fuzz

python3 scripts/test_summary.py build build-asan build-tsan build-fuzz || status=1
exit $status
