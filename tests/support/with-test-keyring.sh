#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked, throwaway GNOME keyring, so
# code that uses qtkeychain (Secret Service) works in tests and never touches a real keyring.
#
#   tests/support/with-test-keyring.sh <command> [args...]
#
# The command gets a fresh HOME and fresh XDG_{CONFIG,DATA,CACHE,STATE,RUNTIME} directories in a
# temporary folder, a new session bus (dbus-run-session) and a gnome-keyring-daemon whose default
# "login" keyring is unlocked with a dummy password. Everything is deleted when the command ends,
# and the command's exit status is returned. The command sees NULLIFY_TEST_KEYRING=1, so a
# keychain test run without this wrapper can QSKIP with a clear message instead of failing
# obscurely. Each call gets its own session and keyring: calls can be nested (a test registered
# with this as its LAUNCHER, inside a whole ctest run wrapped in it) and every test that uses it
# as LAUNCHER is isolated from the others.
#
# NULLIFY_TEST_KEYRING_MODE picks the keychain the command meets (the command sees it too):
#   unlocked (default)  as above;
#   locked              the login keyring exists (same password), but the daemon serving it was
#                       started without unlocking it, like a desktop whose keyring nobody unlocked;
#   nokeyring           the daemon runs, but no keyring was ever created (no default collection);
#   none                no session bus at all: DBUS_SESSION_BUS_ADDRESS points nowhere and there is
#                       no DISPLAY to autolaunch one, like a headless machine.
# All modes get the same throwaway directories, so a test can search them for what leaked.
#
# Needs: dbus (dbus-run-session), gnome-keyring, libsecret-1-0: scripts/setup.sh installs them.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: ${0##*/} <command> [args...]" >&2
    exit 2
fi

if [[ "${NULLIFY_TEST_KEYRING_STAGE:-}" == inner ]]; then
    # Second stage: running inside dbus-run-session, with the throwaway directories set.
    unset NULLIFY_TEST_KEYRING_STAGE
    # Starts the daemon on this session bus and creates/unlocks the login keyring. The daemon
    # forks into the background; its output is not ours to show (and must not hold a pipe open).
    keyring_log="$HOME/gnome-keyring.log"
    start_keyring()
    {
        if ! printf '%s' "nullify-test-keyring" \
            | gnome-keyring-daemon "$@" --components=secrets >/dev/null 2>>"$keyring_log"; then
            echo "${0##*/}: gnome-keyring-daemon failed to start:" >&2
            cat "$keyring_log" >&2 || true
            exit 1
        fi
    }
    case "$NULLIFY_TEST_KEYRING_MODE" in
    locked)
        # A login keyring that exists on disk, served by a fresh daemon nobody unlocked.
        start_keyring --unlock
        start_keyring --replace
        ;;
    nokeyring) start_keyring --start ;;
    *) start_keyring --unlock ;;
    esac
    export NULLIFY_TEST_KEYRING=1
    exec "$@"
fi

export NULLIFY_TEST_KEYRING_MODE="${NULLIFY_TEST_KEYRING_MODE:-unlocked}"
case "$NULLIFY_TEST_KEYRING_MODE" in
unlocked | locked | nokeyring | none) ;;
*)
    echo "${0##*/}: NULLIFY_TEST_KEYRING_MODE must be unlocked, locked, nokeyring or none" >&2
    exit 2
    ;;
esac

for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "${0##*/}: '$tool' not found; run scripts/setup.sh (packages dbus, gnome-keyring)" >&2
        exit 1
    fi
done

# First stage: throwaway directories, then re-run this script inside a new session bus.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/nullify-keyring.XXXXXX")"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
    # The keyring daemon leaves when its session bus goes away; give it a moment, then stop any
    # daemon still running on our scratch directory (found by its control socket's directory).
    local proc comm
    for proc in /proc/[0-9]*; do
        comm=""
        { read -r comm <"$proc/comm"; } 2>/dev/null || true
        [[ "$comm" == gnome-keyring-d* ]] || continue
        if { tr '\0' '\n' <"$proc/environ" | grep -qxF "XDG_RUNTIME_DIR=$scratch/runtime"; } 2>/dev/null; then
            kill "${proc#/proc/}" 2>/dev/null || true
        fi
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$scratch"/{home,config,data,cache,state,runtime}
chmod 700 "$scratch" "$scratch/runtime"

# Nothing of the caller's desktop session may leak in: not its bus, keyring or agent sockets.
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL GNOME_KEYRING_PID SSH_AUTH_SOCK \
    XDG_SESSION_ID XDG_SESSION_TYPE XDG_CURRENT_DESKTOP DESKTOP_SESSION
export HOME="$scratch/home"
export XDG_CONFIG_HOME="$scratch/config"
export XDG_DATA_HOME="$scratch/data"
export XDG_CACHE_HOME="$scratch/cache"
export XDG_STATE_HOME="$scratch/state"
export XDG_RUNTIME_DIR="$scratch/runtime"
export NULLIFY_TEST_KEYRING_STAGE=inner

# dbus-daemon run as root in a container warns on every start that it cannot raise its fd limit;
# keep such chatter in a log file so test output stays readable.
cat >"$scratch/dbus-daemon" <<DAEMON
#!/bin/sh
exec dbus-daemon "\$@" 2>>"$scratch/dbus-daemon.log"
DAEMON
chmod +x "$scratch/dbus-daemon"

status=0
if [[ "$NULLIFY_TEST_KEYRING_MODE" == none ]]; then
    # No bus to find and none to autolaunch (D-Bus autolaunch needs an X11 display).
    unset NULLIFY_TEST_KEYRING_STAGE DISPLAY WAYLAND_DISPLAY
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$scratch/no-such-bus"
    export NULLIFY_TEST_KEYRING=1
    "$@" || status=$?
    exit "$status"
fi
dbus-run-session --dbus-daemon="$scratch/dbus-daemon" -- "${BASH_SOURCE[0]}" "$@" || status=$?
exit "$status"
