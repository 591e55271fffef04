#!/usr/bin/env bash
# Builds the benchmarks optimised and runs them; the figures in BENCHMARKS.md come from this.
#
#   scripts/run-benchmarks.sh                 # every benchmark, full runs (about 5 minutes)
#   scripts/run-benchmarks.sh network         # one of: network, ui, countdowns, startup, storm, upload,
#                                             # download, findingssort
#   scripts/run-benchmarks.sh network --quick # smoke run with tiny counts (a few seconds)
#   scripts/run-benchmarks.sh ui --help       # every option of that benchmark
#   NULLIFY_BENCH_CPU= scripts/run-benchmarks.sh   # not pinned to one CPU (see below)
#
# With a benchmark named, the arguments after it go to its executable unchanged; without one,
# arguments go to every benchmark (e.g. --quick). "startup" runs inside
# tests/support/with-test-keyring.sh: it keeps a signed-in session in a throwaway keychain. The build directory is build/bench
# (Release), or $NULLIFY_BENCH_BUILD_DIR. The machine is described first, because timing
# figures mean nothing without it; the output is also kept in <build dir>/bench-results.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NULLIFY_BENCH_BUILD_DIR:-$root/build/bench}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DNULLIFY_BUILD_TESTS=ON -DNULLIFY_BUILD_BENCHMARKS=ON >/dev/null
benchmarks=(network ui countdowns startup storm upload download findingssort)
if [[ $# -gt 0 && " ${benchmarks[*]} " == *" $1 "* ]]; then
    benchmarks=("$1")
    shift
fi
targets=()
for name in "${benchmarks[@]}"; do
    targets+=("bench_$name")
done
cmake --build "$build" --target "${targets[@]}"

# All threads of the benchmark (client, Qt's HTTP thread, loopback server) share one CPU: on a
# 2-CPU virtual machine, where the threads land otherwise decides whether a GET costs 300 or 800 µs
# from block to block, which drowns a 5 % difference (BENCHMARKS.md). NULLIFY_BENCH_CPU picks the
# CPU (default: the last one); set it empty to measure unpinned.
cpu=${NULLIFY_BENCH_CPU-$(($(nproc) - 1))}
pin=()
if [[ -n "$cpu" ]]; then
    pin=(taskset -c "$cpu")
fi

{
    echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)," \
        "$(free -h | awk '/^Mem:/ {print $2}') RAM"
    echo "compiler: $(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")" \
        "($("$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")" --version | head -1))"
    echo "build type: $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")"
    # Other work on the machine is the biggest source of noise in the wall-clock figures.
    echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "pinned to CPU: ${cpu:-no (NULLIFY_BENCH_CPU is empty)}"
    echo
    for name in "${benchmarks[@]}"; do
        echo "==> bench_$name"
        case "$name" in
        startup)
            # Starts processes and times them against each other: pinning would serialise the
            # app and its sandbox, so it runs unpinned, like a user's start.
            "$root/tests/support/with-test-keyring.sh" "$build/tests/bench/bench_startup" \
                --app "$build/app/nullify-desktop" "$@"
            ;;
        storm | upload | download | findingssort)
            # Two actors that work at the same time (the client and the sandbox thread; the client
            # and its server process or thread; the findings view and its sandbox process): pinned
            # to one CPU they would take turns. Unpinned, like startup.
            "$build/tests/bench/bench_$name" "$@"
            ;;
        *) "${pin[@]}" "$build/tests/bench/bench_$name" "$@" ;;
        esac
        echo
    done
} 2>&1 | tee "$build/bench-results.txt"
