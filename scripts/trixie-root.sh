#!/usr/bin/env bash
# A Debian 13 (trixie) root with everything the build and the tests need, and a command run in it
# with this clone mounted: how scripts/run-tests.sh trixie builds and tests on Qt 6.8 / GCC 14
# from a Debian 12 machine.
#
#   scripts/trixie-root.sh                     # make the root if missing or stale, print where
#   scripts/trixie-root.sh COMMAND [ARGS...]   # ... then run COMMAND in it, in this clone
#
# The root: mmdebstrap --variant=minbase from the Debian mirror in this machine's apt sources
# (scripts/debian-sources.sh), then scripts/setup.sh run inside it, so the package list lives in
# setup.sh alone. Kept outside the clone, in $NULLIFY_ROOT_CACHE (default /var/cache/nullify) as
# trixie-root/, and made afresh when missing, older than $NULLIFY_ROOT_MAX_AGE_DAYS (default 7),
# when setup.sh or the sources changed (a hash in trixie-root/.nullify-root-key), or with
# NULLIFY_REFRESH_ROOT=1. Making it takes 15 minutes on a busy 2-core machine (1.4 GB); later runs
# start in a second.
#
# COMMAND runs as root in a private mount namespace (everything mounted vanishes with it, however
# it ends): /proc, /sys, /dev from the machine, fresh /tmp and /run, this clone at its own path (so
# build trees and compile_commands.json mean the same inside and out), the OpenAPI spec folder
# beside the clone (../shared, read-only, for tests/contract) and a ccache directory of its own
# ($NULLIFY_ROOT_CACHE/trixie-ccache, as CCACHE_DIR). The environment is a clean one, plus CI and
# every NULLIFY_* variable. Needs root (re-runs itself with `sudo -n` when that works).
set -euo pipefail

clone="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
suite=trixie
cache="${NULLIFY_ROOT_CACHE:-/var/cache/nullify}"
rootfs="$cache/$suite-root"
ccache_dir="$cache/$suite-ccache"
max_age_days="${NULLIFY_ROOT_MAX_AGE_DAYS:-7}"

say() { printf 'trixie-root: %s\n' "$*"; }
fail() {
    printf 'trixie-root: %s\n' "$*" >&2
    exit 1
}

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env bash "$0" "$@"
    fi
    fail "needs root (or password-less sudo): it makes a Debian root and mounts into it"
fi

# ---- Second stage: in a private mount namespace, mount and run ---------------------------------
if [[ "${NULLIFY_TRIXIE_ROOT_STAGE:-}" == run ]]; then
    unset NULLIFY_TRIXIE_ROOT_STAGE
    # The root a mount of its own, so that "/" in it is a mount point: unshare --propagation in it
    # (the packaging install test's own namespace) fails on a plain directory.
    mount --bind "$rootfs" "$rootfs"
    mount -t proc proc "$rootfs/proc"
    mount --rbind /sys "$rootfs/sys"
    mount --rbind /dev "$rootfs/dev"
    mount -t tmpfs -o mode=1777 nullify-tmp "$rootfs/tmp"
    mount -t tmpfs -o mode=0755 nullify-run "$rootfs/run"
    rm -f "$rootfs/etc/resolv.conf"
    cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
    mkdir -p "$rootfs$clone"
    mount --bind "$clone" "$rootfs$clone"
    shared="$(dirname "$clone")/shared"
    if [[ -d "$shared" ]]; then
        mkdir -p "$rootfs$shared"
        mount --bind "$shared" "$rootfs$shared"
        mount -o remount,bind,ro "$rootfs$shared"
    fi
    mkdir -p "$ccache_dir" "$rootfs/var/cache/ccache"
    mount --bind "$ccache_dir" "$rootfs/var/cache/ccache"

    environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
        TERM="${TERM:-dumb}" CCACHE_DIR=/var/cache/ccache CCACHE_BASEDIR="$clone" CCACHE_NOHASHDIR=1)
    [[ -z "${CI:-}" ]] || environment+=("CI=$CI")
    while read -r name; do
        environment+=("$name=${!name}")
    done < <(compgen -e | grep '^NULLIFY_' || true)
    # shellcheck disable=SC2016 # expanded by the shell in the root
    exec chroot "$rootfs" /usr/bin/env -i "${environment[@]}" bash -c 'cd "$1" && shift && exec "$@"' _ "$clone" "$@"
fi

for tool in mmdebstrap unshare chroot flock sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found; run scripts/setup.sh"
done

# ---- The root: made when missing or stale --------------------------------------------------------
# shellcheck source=scripts/debian-sources.sh
source "$clone/scripts/debian-sources.sh"
mapfile -t sources < <(debian_sources "$suite")
key="$( (printf '%s\n' minbase "${sources[@]}" && cat "$clone/scripts/setup.sh") | sha256sum | cut -c1-16)"
stamp="$rootfs/.nullify-root-key"

mkdir -p "$cache"
# One maker at a time; runs share the root (a shared lock, held until the command ends).
exec 9>"$cache/$suite-root.lock"
flock -x 9

why=""
if [[ ! -f "$stamp" ]]; then
    why="there is none"
elif [[ "$(cat "$stamp")" != "$key" ]]; then
    why="scripts/setup.sh or the apt sources changed"
elif [[ -z "$(find "$stamp" -mtime "-$max_age_days")" ]]; then
    why="it is older than $max_age_days days"
elif [[ "${NULLIFY_REFRESH_ROOT:-}" == 1 ]]; then
    why="NULLIFY_REFRESH_ROOT=1"
fi
if [[ -n "$why" ]]; then
    say "making the $suite root in $rootfs ($why), from: $(printf '%s; ' "${sources[@]}")"
    started=$SECONDS
    rm -rf "$rootfs.new"
    # setup.sh runs in the new root as it would on a user's Debian 13: apt-get update + install.
    # shellcheck disable=SC2016 # the hooks' $1 is the new root, expanded by mmdebstrap's shell
    # Nothing here reads manuals, docs or translations: dpkg leaves them out, and man-db does not
    # index them (minutes of a busy machine's time otherwise).
    NULLIFY_SETUP_SCRIPT="$clone/scripts/setup.sh" mmdebstrap --quiet --variant=minbase --mode=root \
        --dpkgopt=force-unsafe-io --aptopt='Acquire::Retries "3"' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --customize-hook='echo "man-db man-db/auto-update boolean false" | chroot "$1" debconf-set-selections' \
        --customize-hook='install -m 0755 "$NULLIFY_SETUP_SCRIPT" "$1/tmp/setup.sh"' \
        --customize-hook='chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 bash /tmp/setup.sh' \
        --customize-hook='rm -f "$1/tmp/setup.sh"' \
        "$suite" "$rootfs.new" "${sources[@]}"
    printf '%s\n' "$key" >"$rootfs.new/.nullify-root-key"
    rm -rf "$rootfs"
    mv "$rootfs.new" "$rootfs"
    say "made the $suite root in $((SECONDS - started))s ($(du -sh "$rootfs" | cut -f1))"
fi
flock -s 9

if [[ $# -eq 0 ]]; then
    say "the $suite root is ready: $rootfs"
    exit 0
fi
exec env NULLIFY_TRIXIE_ROOT_STAGE=run unshare --mount --propagation private bash "$0" "$@"
