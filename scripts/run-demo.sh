#!/usr/bin/env bash
# One command from a fresh Debian 12 / Ubuntu 24.04 machine to a running Nullify Desktop:
# installs the packages (scripts/setup.sh), builds the app and the local sandbox with the "default"
# preset, starts nullify-sandbox (a local Nullify tenant, tests/sandbox/README.md) on 127.0.0.1
# and the app against it. Closing the app stops the sandbox; so do Ctrl-C and kill.
#
#   scripts/run-demo.sh [--tls] [APP OPTIONS...]      e.g. scripts/run-demo.sh --log-level debug
#
# --tls: the way the real API is reached, over HTTP/2 and TLS through a gateway. nghttpx
# (nghttp2-proxy) terminates TLS on 127.0.0.1 with a certificate from a CA made for this run, and
# forwards to the sandbox over plain HTTP/1.1; the app opens https://localhost:PORT and trusts that
# CA through --ca-certificates (tests/support/make-tls-proxy-config.sh makes both).
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

tls=0
app_args=()
for arg in "$@"; do
    if [[ "$arg" == --tls ]]; then
        tls=1
    else
        app_args+=("$arg")
    fi
done
if [[ $tls == 1 ]] && ! command -v nghttpx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nghttpx ]]; then
    echo "run-demo: --tls needs nghttpx (apt-get install nghttp2-proxy; scripts/setup.sh installs it)" >&2
    exit 1
fi

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
proxy_pid=""
# shellcheck disable=SC2317 # reached through the traps
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$app_pid" ]]; then
        kill -TERM "$app_pid" 2>/dev/null || true
        wait "$app_pid" 2>/dev/null || true
        app_pid=""
    fi
    if [[ -n "$proxy_pid" ]]; then
        kill -TERM "$proxy_pid" 2>/dev/null || true
        wait "$proxy_pid" 2>/dev/null || true
        proxy_pid=""
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

launcher=()
if command -v setpriv >/dev/null 2>&1; then
    launcher=(setpriv --pdeathsig TERM --) # nghttpx and the app cannot outlive a killed script either
fi

# --- The TLS gateway (--tls) --------------------------------------------------------------------------
api_url="$sandbox_api"
if [[ $tls == 1 ]]; then
    step "Starting nghttpx: HTTP/2 over TLS in front of the sandbox"
    tls_dir="$run_dir/tls"
    proxy_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$root/tests/support/make-tls-proxy-config.sh" "$tls_dir" "$proxy_port" "${sandbox_api##*:}"
    nghttpx="$(command -v nghttpx || echo /usr/sbin/nghttpx)"
    (
        exec {sandbox_stdout}<&-
        exec "${launcher[@]}" "$nghttpx" --conf="$tls_dir/nghttpx.conf" >"$tls_dir/stdout.log" 2>&1
    ) &
    proxy_pid=$!
    # Up when it answers over h2 with this run's CA: the sandbox's 401 to a call without a token.
    answer=""
    for _ in $(seq 1 75); do
        answer="$(curl -s --max-time 2 --cacert "$tls_dir/ca.crt" -o /dev/null -w '%{http_code} HTTP/%{http_version}' \
            "https://localhost:$proxy_port/admin/user/current" || true)"
        [[ "$answer" == "401 HTTP/2" ]] && break
        kill -0 "$proxy_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [[ "$answer" != "401 HTTP/2" ]]; then
        echo "run-demo: nghttpx did not answer over HTTP/2 on 127.0.0.1:$proxy_port (got '$answer'); its log:" >&2
        cat "$tls_dir/error.log" "$tls_dir/stdout.log" 2>/dev/null | sed 's/^/    /' >&2 || true
        exit 1
    fi
    api_url="https://localhost:$proxy_port"
    app_args=(--ca-certificates "$tls_dir/ca.crt" "${app_args[@]}")
    cat <<EOF
nghttpx is listening on 127.0.0.1:$proxy_port (pid $proxy_pid), TLS with ALPN h2, forwarding to the sandbox:
  API            $api_url
  its CA         $tls_dir/ca.crt (made for this run; only the app trusts it, through --ca-certificates)
  access log     $tls_dir/access.log (client port, ALPN, HTTP version, request, status)
  try            curl --cacert $tls_dir/ca.crt https://localhost:$proxy_port/admin/user/current
Reload it gracefully (GOAWAY on open connections): kill -HUP $proxy_pid
EOF
fi

# --- The app ----------------------------------------------------------------------------------------
step "Starting Nullify Desktop against $api_url"
# In the background with the shell waiting, so that the traps run at once on Ctrl-C or kill. The
# subshell drops the read end of the sandbox's stdout before it becomes the app.
(
    exec {sandbox_stdout}<&-
    exec "${launcher[@]}" "$build_dir/app/nullify-desktop" --api-url "$api_url" "${app_args[@]}"
) &
app_pid=$!
app_status=0
wait "$app_pid" || app_status=$?
app_pid=""
echo "Nullify Desktop exited (status $app_status); stopping the sandbox"
exit "$app_status"
