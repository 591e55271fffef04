#!/usr/bin/env bash
# Builds and starts only nullify-sandbox, the local Nullify tenant (tests/sandbox/README.md), in
# the foreground, for exploring the API with curl. Ctrl-C stops it.
#
#   scripts/run-sandbox.sh [SANDBOX OPTIONS...]    e.g. scripts/run-sandbox.sh --seed 7 --auto-approve
#
# It prints the API and control URLs, a service-account token it created for this run, the tenant
# scope (githubOwnerId) and ready-to-paste curl commands. The token is printed in full on purpose:
# it is a random throwaway that only this loopback sandbox accepts, and it dies with it.
# Options after the script name go to nullify-sandbox and win over the script's own (--seed,
# --log); add --auto-approve to skip the sign-in page's Approve button.
# Environment: NULLIFY_BUILD_DIR (default build/default), NULLIFY_SKIP_SETUP=1 (skip
# scripts/setup.sh), NULLIFY_SANDBOX_START_TIMEOUT (seconds to wait for the sandbox, default 30).
#
# scripts/run-demo.sh sources this file for the sandbox_* functions below; sourcing runs nothing.
set -euo pipefail

# --- Shared with run-demo.sh ----------------------------------------------------------------------

sandbox_pid=""
sandbox_stdout="" # read end of the sandbox's stdout: its ports line, then EOF when it exits
sandbox_api=""
sandbox_control=""
sandbox_status=""

# A random bearer token: PREFIX + 48 hex digits from the kernel's CSPRNG.
random_token() {
    printf '%s%s' "$1" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
}

# The short hash the sandbox's request log shows for a token (first 12 hex digits of its SHA-256),
# so a token can be recognised in the log without printing it.
token_hash() {
    printf '%s' "$1" | sha256sum | cut -c1-12
}

# The value of a string field in one line of JSON (the sandbox's answers are compact and its
# values here never contain quotes or escapes). Empty when the field is absent.
json_string_field() {
    sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p" <<<"$2"
}

# sandbox_start EXECUTABLE STDERR_FILE [SANDBOX OPTIONS...]
# Starts nullify-sandbox in the background and waits for the {"api": ..., "control": ...} line it
# prints once it listens. Sets sandbox_pid, sandbox_api and sandbox_control; on failure prints
# the sandbox's stderr and returns 1.
sandbox_start() {
    local executable="$1" errors="$2"
    shift 2
    local timeout="${NULLIFY_SANDBOX_START_TIMEOUT:-30}"
    if [[ ! -x "$executable" ]]; then
        echo "sandbox: $executable not found or not executable (build the nullify-sandbox target)" >&2
        return 1
    fi

    # Its stdout goes through a named pipe the shell reads with a timeout: no polling, and EOF
    # tells us the sandbox exited (only the sandbox holds the write end).
    local fifo_dir
    fifo_dir="$(mktemp -d)"
    mkfifo -m 600 "$fifo_dir/stdout"
    # With setpriv (util-linux), the sandbox gets SIGTERM if this shell dies without running its
    # traps (kill -9), so it cannot outlive the script.
    local launcher=()
    if command -v setpriv >/dev/null 2>&1; then
        launcher=(setpriv --pdeathsig TERM --)
    fi
    "${launcher[@]}" "$executable" "$@" >"$fifo_dir/stdout" 2>"$errors" &
    sandbox_pid=$!
    exec {sandbox_stdout}<"$fifo_dir/stdout"
    rm -rf "$fifo_dir"

    local line="" rc=0
    read -r -t "$timeout" -u "$sandbox_stdout" line || rc=$?
    if [[ $rc -ne 0 ]]; then
        if [[ $rc -gt 128 ]]; then
            echo "sandbox: no ports line from nullify-sandbox within ${timeout} s; stopping it" >&2
        else
            echo "sandbox: nullify-sandbox exited before it was listening" >&2
        fi
        sandbox_stop
        [[ -s "$errors" ]] && sed 's/^/    /' "$errors" >&2
        return 1
    fi
    sandbox_api="$(json_string_field api "$line")"
    sandbox_control="$(json_string_field control "$line")"
    if [[ -z "$sandbox_api" || -z "$sandbox_control" ]]; then
        echo "sandbox: unexpected first line from nullify-sandbox: $line" >&2
        sandbox_stop
        return 1
    fi
}

# Stops the sandbox started by sandbox_start (SIGTERM, then SIGKILL after 10 s) and reaps it;
# sets sandbox_status to its exit status. Safe to call more than once.
sandbox_stop() {
    [[ -n "$sandbox_pid" ]] || return 0
    local pid="$sandbox_pid"
    sandbox_pid=""
    kill -TERM "$pid" 2>/dev/null || true
    # Wait for EOF on its stdout (it exited), not for a fixed time; anything else it printed
    # is skipped.
    local rc=0
    while :; do
        read -r -t 10 -u "$sandbox_stdout" _ && continue
        rc=$?
        break
    done
    if [[ $rc -gt 128 ]]; then
        echo "sandbox: nullify-sandbox did not stop within 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    exec {sandbox_stdout}<&-
    sandbox_status=0
    wait "$pid" 2>/dev/null || sandbox_status=$?
}

# Runs the browser sign-in handshake with curl (approving through the sign-in page's
# approve=1 link) and prints the tenant scope, the githubOwnerId the token response carries.
# The service token has no token response, so this is how its scope is learnt. Leaves one
# signed-in user:demo session in the sandbox, whose tokens are discarded.
sandbox_scope() {
    local api="$1" answer session_id
    # "port" is where the sign-in page would redirect the browser; nothing follows the redirect.
    answer="$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' -d '{"port": 9}' \
        "$api/auth/cli/session")" || return 1
    session_id="$(json_string_field session_id "$answer")"
    [[ -n "$session_id" ]] || return 1
    curl -sS --max-time 10 -o /dev/null "$api/auth/sign-in?session_id=$session_id&approve=1" || return 1
    answer="$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
        -d "{\"session_id\": \"$session_id\"}" "$api/auth/cli/token")" || return 1
    json_string_field githubOwnerId "$answer"
}

# --- run-sandbox.sh itself ------------------------------------------------------------------------

main() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$root"
    local build_dir="${NULLIFY_BUILD_DIR:-$root/build/default}"

    step() { printf '\n==> %s\n' "$*"; }

    if [[ "${NULLIFY_SKIP_SETUP:-}" != 1 ]]; then
        step "Checking packages (scripts/setup.sh)"
        "$root/scripts/setup.sh"
    fi
    step "Configuring (preset default, $build_dir)"
    cmake --preset default -B "$build_dir" --log-level=WARNING
    step "Building nullify-sandbox"
    cmake --build "$build_dir" --target nullify-sandbox --parallel "$(nproc)"

    local run_dir="$build_dir/sandbox-run"
    mkdir -p "$run_dir"
    local token log="$run_dir/requests.jsonl"
    token="$(random_token nsbx_local_)"

    trap sandbox_stop EXIT
    # Ctrl-C and kill: stop the sandbox and exit with its status (0 when it stopped cleanly).
    trap 'sandbox_stop; trap - EXIT; echo "nullify-sandbox stopped (status $sandbox_status)" >&2; exit "$sandbox_status"' INT TERM

    step "Starting nullify-sandbox"
    sandbox_start "$build_dir/tests/sandbox/nullify-sandbox" "$run_dir/stderr.log" \
        --seed 1 --service-token "$token" --log "$log" "$@"

    local scope=""
    if command -v curl >/dev/null 2>&1; then
        scope="$(sandbox_scope "$sandbox_api")" || scope=""
    fi
    local owner="${scope:-<githubOwnerId>}"

    cat <<EOF
nullify-sandbox is running (pid $sandbox_pid) on 127.0.0.1. Ctrl-C stops it.
  API            $sandbox_api
  control        $sandbox_control   (faults, log, state: see tests/sandbox/README.md)
  service token  $token
                 (a throwaway token for this local sandbox only; it dies with it)
  scope          githubOwnerId=$owner
  request log    $log   (appended; stderr in $run_dir/stderr.log)

Try:
  curl -s -H 'Authorization: Bearer $token' '$sandbox_api/admin/user/current?githubOwnerId=$owner'
  curl -s -H 'Authorization: Bearer $token' '$sandbox_api/context/repositories?githubOwnerId=$owner&limit=3'
  curl -s '$sandbox_control/state'
Sign-in page: curl -s -X POST -d '{"port": 8765}' '$sandbox_api/auth/cli/session'
  and open the "auth_url" it returns in a browser (Approve redirects to 127.0.0.1:8765).
EOF
    if [[ -z "$scope" ]]; then
        echo "(scope not looked up: curl is missing or the sign-in handshake failed; the token response of" \
            "POST /auth/cli/token carries it)"
    fi

    # Wait in the shell, not in a foreground child, so that the INT/TERM trap runs at once. The
    # sandbox ends on Ctrl-C by itself too (same process group); the trap reaps it.
    local rc=0
    wait "$sandbox_pid" || rc=$?
    sandbox_pid=""
    echo "nullify-sandbox exited with status $rc" >&2
    exit "$rc"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
