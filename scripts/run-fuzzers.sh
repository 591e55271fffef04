#!/usr/bin/env bash
# Long fuzzing runs: builds the fuzz preset (clang, libFuzzer, ASan + UBSan) and runs each fuzz
# target for a number of executions, one after the other; the figures in BENCHMARKS.md
# ("Fuzzing") come from this.
#
#   scripts/run-fuzzers.sh                          # every target, 1,000,000 executions each
#   scripts/run-fuzzers.sh --runs 50000 fuzz_tenant # one target, a short run
#   scripts/run-fuzzers.sh --fresh                  # start from the checked-in seeds only
#
# Targets: fuzz_retryafter, fuzz_api_decoders, fuzz_callbackrequest, fuzz_tenant (tests/fuzz).
# Seeds are read from tests/fuzz/corpus/<target> and never written; what a run finds goes to
# build/fuzz/tests/fuzz/corpus/<target> (the same working corpus the CTest runs use), so runs
# build on each other unless --fresh empties it first. Per target it prints the executions, the
# seconds, the corpus size at the end and the peak RSS; the full libFuzzer output is kept in
# build/fuzz/fuzz-logs/<target>.log. A crash, leak, timeout or sanitizer report stops that target
# with the input saved in build/fuzz/tests/fuzz/artifacts/<target>/; the script then exits 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

runs=1000000
fresh=0
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --runs)
        runs="$2"
        shift 2
        ;;
    --fresh)
        fresh=1
        shift
        ;;
    -h | --help)
        sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "run-fuzzers: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    *)
        targets+=("$1")
        shift
        ;;
    esac
done
all=(fuzz_retryafter fuzz_api_decoders fuzz_callbackrequest fuzz_tenant)
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=("${all[@]}")
fi
for target in "${targets[@]}"; do
    if [[ " ${all[*]} " != *" $target "* ]]; then
        echo "run-fuzzers: unknown target $target (one of: ${all[*]})" >&2
        exit 2
    fi
done

cmake --preset fuzz --log-level=WARNING >/dev/null
cmake --build --preset fuzz --parallel "$(nproc)"

build="$root/build/fuzz"
mkdir -p "$build/fuzz-logs"
printf '\nmachine: %s, %s CPUs, %s; %s\n' "$(uname -m)" "$(nproc)" \
    "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(clang++ --version | head -1)"
printf '%-22s %12s %9s %14s %10s  %s\n' target executions seconds "corpus" "peak RSS" result

failed=0
for target in "${targets[@]}"; do
    corpus="$build/tests/fuzz/corpus/$target"
    artifacts="$build/tests/fuzz/artifacts/$target"
    log="$build/fuzz-logs/$target.log"
    if [[ $fresh == 1 ]]; then
        rm -rf "$corpus"
    fi
    mkdir -p "$corpus" "$artifacts"
    args=(-runs="$runs" -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/")
    if [[ -f tests/fuzz/dict/$target.dict ]]; then
        args+=(-dict="tests/fuzz/dict/$target.dict")
    fi
    # Keep in step with MAX_LEN in tests/fuzz/CMakeLists.txt: past the 8 KiB head limit.
    if [[ $target == fuzz_callbackrequest ]]; then
        args+=(-max_len=9000)
    fi

    start=$(date +%s.%N)
    result=ok
    if ! "$build/tests/fuzz/$target" "${args[@]}" "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
        result="FAILED (see $log)"
        failed=1
    fi
    end=$(date +%s.%N)

    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    # The last status line's "corp: <inputs>/<bytes>" is the corpus libFuzzer ended with.
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[bKM]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-22s %12s %9.1f %14s %10s  %s\n' "$target" "${executions:-?}" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
        "${corp:-?}" "${peak:-?} MB" "$result"
done
exit $failed
