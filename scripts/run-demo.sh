#!/usr/bin/env bash
# One command from a fresh Debian 12 / Ubuntu 24.04 machine to a running Nullify Desktop:
# installs the packages (scripts/setup.sh), builds the app and the local sandbox with the "default"
# preset, starts nullify-sandbox (a local Nullify tenant, tests/sandbox/README.md) on 127.0.0.1
# and the app against it. Closing the app stops the sandbox; so do Ctrl-C and kill.
#
#   scripts/run-demo.sh [APP OPTIONS...]      e.g. scripts/run-demo.sh --log-level debug
#
# Needs a display (X11 or Wayland). On a headless machine: xvfb-run -a scripts/run-demo.sh
# Environment: NULLIFY_BUILD_DIR (default build/default), NULLIFY_SKIP_SETUP=1 (skip
# scripts/setup.sh), NULLIFY_SANDBOX_START_TIMEOUT (seconds to wait for the sandbox, default 30).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${NULLIFY_BUILD_DIR:-$root/build/default}"

# sandbox_start, sandbox_stop, random_token, token_hash
source "$root/scripts/run-sandbox.sh"

step() { printf '\n==> %s\n' "$*"; }

if [[ "${NULLIFY_SKIP_SETUP:-}" != 1 ]]; then
    step "Checking packages (scripts/setup.sh)"
    "$root/scripts/setup.sh"
fi

step "Configuring (preset default, $build_dir)"
cmake --preset default -B "$build_dir" --log-level=WARNING

step "Building nullify-desktop and nullify-sandbox"
cmake --build "$build_dir" --target nullify-desktop nullify-sandbox --parallel "$(nproc)"

app_args=("$@")

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
    echo "run-demo: no display (DISPLAY/WAYLAND_DISPLAY unset). On a headless machine run:" >&2
    echo "    xvfb-run -a scripts/run-demo.sh" >&2
    exit 1
fi

# --- The local sandbox ------------------------------------------------------------------------------
# A service-account token, random per run, for tools. It is given to the sandbox on its command line
# (its only way to take one; the sandbox is loopback-only and stops with the demo) and never
# printed: the output shows only the hash the request log uses. The app signs in through the
# browser, which this sandbox approves at once.
run_dir="$build_dir/demo-sandbox"
mkdir -p "$run_dir"
request_log="$run_dir/requests.jsonl"
: >"$request_log" # one log per demo run
service_token="$(random_token nsbx_demo_)"

app_pid=""
# shellcheck disable=SC2317 # reached through the traps
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$app_pid" ]]; then
        kill -TERM "$app_pid" 2>/dev/null || true
        wait "$app_pid" 2>/dev/null || true
        app_pid=""
    fi
    sandbox_stop
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Starting nullify-sandbox"
if ! sandbox_start "$build_dir/tests/sandbox/nullify-sandbox" "$run_dir/stderr.log" \
    --auto-approve --seed 1 --service-token "$service_token" --log "$request_log"; then
    echo "run-demo: the local sandbox did not start (its stderr: $run_dir/stderr.log)" >&2
    exit 1
fi
cat <<EOF
nullify-sandbox is listening on 127.0.0.1 (pid $sandbox_pid):
  API            $sandbox_api
  control        $sandbox_control
  service token  sha256 $(token_hash "$service_token") (its tokenHash in the request log; not shown)
  request log    $request_log
In the app, click "Sign in with browser": this sandbox approves at once and the browser tab says
you can close it. Without a browser (xvfb-run), copy the sign-in link the window shows into
   curl -sL '<link>'
To see the sandbox's own sign-in page, and to call the API with curl, run scripts/run-sandbox.sh
on its own, which prints how.
EOF

# --- The app ----------------------------------------------------------------------------------------
step "Starting Nullify Desktop against $sandbox_api"
launcher=()
if command -v setpriv >/dev/null 2>&1; then
    launcher=(setpriv --pdeathsig TERM --) # the app cannot outlive a killed script either
fi
# In the background with the shell waiting, so that the traps run at once on Ctrl-C or kill. The
# subshell drops the read end of the sandbox's stdout before it becomes the app.
(
    exec {sandbox_stdout}<&-
    exec "${launcher[@]}" "$build_dir/app/nullify-desktop" --api-url "$sandbox_api" "${app_args[@]}"
) &
app_pid=$!
app_status=0
wait "$app_pid" || app_status=$?
app_pid=""
echo "Nullify Desktop exited (status $app_status); stopping the sandbox"
exit "$app_status"
