#!/usr/bin/env bash
# Runs every test: configures and builds a CMake preset, then runs its CTest preset inside a
# private D-Bus session with a throwaway, unlocked keyring (tests/support/with-test-keyring.sh).
#
#   scripts/run-tests.sh [PRESET|all] [CTEST ARGS...]
#
#   scripts/run-tests.sh all                  # everything CI runs: default, asan, fuzz and trixie in turn
#   scripts/run-tests.sh                      # preset "default" (RelWithDebInfo), every test
#   scripts/run-tests.sh trixie               # the same on Debian 13 (Qt 6.8, GCC 14), in a root
#                                             # made by scripts/trixie-root.sh (needs root)
#   scripts/run-tests.sh asan                 # the same tests under AddressSanitizer + UBSan
#   scripts/run-tests.sh fuzz                 # the libFuzzer targets, 20 s each (clang)
#   scripts/run-tests.sh default -R tst_mainwindow   # one test (any ctest option works)
#   scripts/run-tests.sh default -L widget           # one label: unit, network, widget
#
# PRESET is a configure preset from CMakePresets.json (default, trixie, debug, asan, fuzz); it
# builds into build/PRESET, through ccache when there is one. Exits non-zero if setup, configure,
# build or any test fails.
# Environment: NULLIFY_TEST_JOBS (parallel tests, default 2), NULLIFY_SKIP_SETUP=1 (do not run
# scripts/setup.sh first; it is quick when everything is installed), NULLIFY_WERROR=ON|OFF
# (warnings as errors; ON for the GCC presets when CI=true). With CI=true a test that can not run here (a missing tool,
# keychain, TLS backend, spec or Prism) fails instead of skipping (tests/support/environmentskip.h).
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
    for each in default asan fuzz trixie; do
        "$root/scripts/run-tests.sh" "$each" "$@" || failed+=("$each")
        export NULLIFY_SKIP_SETUP=1 # checked once is enough
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        echo "run-tests: failed presets: ${failed[*]}" >&2
        exit 1
    fi
    echo "run-tests: every preset passed (default, asan, fuzz, trixie)"
    exit 0
fi
jobs="${NULLIFY_TEST_JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

if [[ "${NULLIFY_SKIP_SETUP:-}" != 1 ]]; then
    step "Checking packages (scripts/setup.sh)"
    "$root/scripts/setup.sh"
fi

# The Debian 13 suite from any other machine: the same command, run in the Debian 13 root (made
# by scripts/setup.sh's list, and Prism from the setup above in this clone).
if [[ "$preset" == trixie ]] && [[ "$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")" != trixie ]]; then
    step "Running in the Debian 13 root (scripts/trixie-root.sh)"
    exec "$root/scripts/trixie-root.sh" scripts/run-tests.sh trixie "$@"
fi

if ! cmake --list-presets 2>/dev/null | grep -qF "\"$preset\""; then
    echo "run-tests: unknown configure preset '$preset'; available:" >&2
    cmake --list-presets >&2 || true
    exit 2
fi

printf 'run-tests: %s, Qt %s, %s\n' "$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-unknown system}")" \
    "$(qtpaths6 --qt-query QT_VERSION 2>/dev/null || echo '?')" "$(c++ --version 2>/dev/null | head -n1)"

configure_args=(--preset "$preset" --log-level=WARNING)
werror="${NULLIFY_WERROR:-}"
# CI makes warnings errors in the GCC builds (default, trixie), where both Qt versions were checked
# warning-free; the clang presets (asan, fuzz) have not been yet, so there it stays opt-in.
if [[ -z "$werror" && ("${CI:-}" == true || "${CI:-}" == 1) && ("$preset" == default || "$preset" == trixie) ]]; then
    werror=ON
fi
[[ -z "$werror" ]] || configure_args+=("-DNULLIFY_WERROR=$werror")
# Rebuilds of unchanged files come from ccache (scripts/setup.sh installs it; its cache lives
# outside the clone, ~/.cache/ccache or as configured).
if command -v ccache >/dev/null 2>&1; then
    configure_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

step "Configuring (preset $preset)"
cmake "${configure_args[@]}"

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
