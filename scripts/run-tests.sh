#!/usr/bin/env bash
# Runs every test: configures and builds a CMake preset, then runs its CTest preset inside a
# private D-Bus session with a throwaway, unlocked keyring (tests/support/with-test-keyring.sh).
#
#   scripts/run-tests.sh [PRESET|all] [CTEST ARGS...]
#
#   scripts/run-tests.sh all                  # everything CI runs: default, asan and fuzz in turn
#   scripts/run-tests.sh                      # preset "default" (RelWithDebInfo), every test
#   scripts/run-tests.sh asan                 # the same tests under AddressSanitizer + UBSan
#   scripts/run-tests.sh fuzz                 # the libFuzzer targets, 20 s each (clang)
#   scripts/run-tests.sh default -R tst_mainwindow   # one test (any ctest option works)
#   scripts/run-tests.sh default -L widget           # one label: unit, network, widget
#
# PRESET is a configure preset from CMakePresets.json (default, debug, asan); it builds into
# build/PRESET. Exits non-zero if setup, configure, build or any test fails.
# Environment: NULLIFY_TEST_JOBS (parallel tests, default 2), NULLIFY_SKIP_SETUP=1 (do not run
# scripts/setup.sh first; it is quick when everything is installed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

preset=default
if [[ $# -gt 0 && "$1" != -* ]]; then
    preset="$1"
    shift
fi

if [[ "$preset" == all ]]; then
    # One preset after the other, each a run of this script; the first failure does not hide
    # the others' results.
    failed=()
    for each in default asan fuzz; do
        "$root/scripts/run-tests.sh" "$each" "$@" || failed+=("$each")
        export NULLIFY_SKIP_SETUP=1 # checked once is enough
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        echo "run-tests: failed presets: ${failed[*]}" >&2
        exit 1
    fi
    echo "run-tests: every preset passed (default, asan, fuzz)"
    exit 0
fi
jobs="${NULLIFY_TEST_JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

if [[ "${NULLIFY_SKIP_SETUP:-}" != 1 ]]; then
    step "Checking packages (scripts/setup.sh)"
    "$root/scripts/setup.sh"
fi

if ! cmake --list-presets 2>/dev/null | grep -qF "\"$preset\""; then
    echo "run-tests: unknown configure preset '$preset'; available:" >&2
    cmake --list-presets >&2 || true
    exit 2
fi

step "Configuring (preset $preset)"
cmake --preset "$preset" --log-level=WARNING

step "Building (preset $preset)"
cmake --build --preset "$preset" --parallel "$(nproc)"

# Presets without a test preset of their own (debug) run CTest in their build directory.
if ctest --list-presets 2>/dev/null | grep -qF "\"$preset\""; then
    ctest_args=(--preset "$preset")
else
    ctest_args=(--test-dir "$root/build/$preset" --no-tests=error --timeout 300)
fi
ctest_args+=(--output-on-failure --parallel "$jobs" "$@")

step "Testing (ctest ${ctest_args[*]})"
"$root/tests/support/with-test-keyring.sh" ctest "${ctest_args[@]}"
