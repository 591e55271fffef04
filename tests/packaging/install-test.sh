#!/usr/bin/env bash
# Install test for the .deb on a clean root of the Debian release it runs on (Debian 12 bookworm, or
# Debian 13 trixie in scripts/trixie-root.sh's root):
#   1. a minimal root made by mmdebstrap (Debian's apt-based debootstrap) from the Debian
#      mirror in this machine's apt sources, cached as a tarball under CACHE_DIR;
#   2. apt installs the .deb there, its dependencies coming from Debian (no recommends: the hard
#      dependencies alone must be enough to start);
#   3. `nullify-desktop --version`, then an offscreen start that must show the first window
#      (--exit-when-shown prints "shown: <name>");
#   4. apt-get purge --autoremove, then: every path the package installed is gone (except shared
#      directories that were there before), the root holds the same paths and the same packages
#      as before the install.
#
#   install-test.sh PACKAGES_DIR CACHE_DIR VERSION
#
# Needs root (re-runs itself with `sudo -n` when that works; otherwise exits 77, which CTest reports
# as skipped, or fails when CI=true) and access to the Debian mirror. Everything is mounted in a
# private mount namespace on a tmpfs, so nothing stays mounted after it ends, however it ends.
# Environment: NULLIFY_DEBIAN_MIRROR (a mirror URL, instead of the one in the apt sources),
# NULLIFY_PACKAGING_ROOT_CACHE (instead of CACHE_DIR), NULLIFY_EXPECTED_FIRST_WINDOW (instead of
# the name below), NULLIFY_REFRESH_ROOT=1 (make the cached root again). First run: about two
# minutes to make the root; later runs reuse it and the downloaded packages (CACHE_DIR/apt-archives).
set -euo pipefail

# The window the app shows first on a clean system: its object name (or its title when it has
# none). With no session in a keychain that is the sign-in window.
expected_window="${NULLIFY_EXPECTED_FIRST_WINDOW:-signInWindow}"

dir="${1:?usage: install-test.sh PACKAGES_DIR CACHE_DIR VERSION}"
cache="${2:?usage: install-test.sh PACKAGES_DIR CACHE_DIR VERSION}"
version="${3:?usage: install-test.sh PACKAGES_DIR CACHE_DIR VERSION}"
# CI keeps the clean root outside its fresh clone (.ci/run sets this), so it is made once, not at
# every run.
cache="${NULLIFY_PACKAGING_ROOT_CACHE:-$cache}"
# The release this runs on (so in scripts/trixie-root.sh's root, a .deb built on Debian 13 is
# installed on a clean Debian 13); bookworm when this is not Debian.
# shellcheck source=scripts/debian-sources.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/debian-sources.sh"
suite="$(debian_release)"
suite="${suite:-bookworm}"

say() { printf 'install-test: %s\n' "$*"; }
fail() {
    printf 'install-test: FAIL: %s\n' "$*" >&2
    exit 1
}

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env=CI,NULLIFY_DEBIAN_MIRROR,NULLIFY_PACKAGING_ROOT_CACHE,NULLIFY_EXPECTED_FIRST_WINDOW,NULLIFY_REFRESH_ROOT \
            bash "$0" "$@"
    fi
    # An environment skip: in CI (CI=true) a failure, as every test's (tests/support/environmentskip.h).
    if [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; then
        fail "CI=true, so an environment skip is a failure: needs root (or password-less sudo)"
    fi
    say "SKIP: needs root (or password-less sudo) to make a Debian root and install into it"
    exit 77
fi
for tool in mmdebstrap unshare chroot mount awk sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found; run scripts/setup.sh"
done

# A private mount namespace: the tmpfs, /proc and the bind mounts below vanish with this process.
if [[ -z "${NULLIFY_INSTALL_TEST_NS:-}" ]]; then
    exec env NULLIFY_INSTALL_TEST_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi

# Descriptors inherited from CTest closed: with them open, mmdebstrap hands apt a descriptor
# above 9 ("cat >&11"), which /bin/sh (dash) refuses ("Bad fd number").
for fd in "/proc/$$/fd/"*; do
    fd="${fd##*/}"
    if ((fd > 2)); then
        eval "exec $fd>&-" 2>/dev/null || true
    fi
done

# shellcheck source=/dev/null
source "$dir/packages.env"
[[ -f "$DEB" ]] || fail "no .deb in $dir (the packaging_build test makes it)"
mkdir -p "$cache"
cache="$(realpath "$cache")"
started=$SECONDS
step_start=$SECONDS
step() {
    say "$(printf '[%3ss] %s' "$((SECONDS - step_start))" "$*")"
    step_start=$SECONDS
}

# ---- Debian sources: this machine's release and Debian mirror -----------------------------------
mapfile -t sources < <(debian_sources "$suite")
say "Debian sources: $(printf '%s; ' "${sources[@]}")"

# ---- Work area on a tmpfs (dpkg's many small writes are slow on the build disk) -----------------
work="$cache/mnt"
mkdir -p "$work"
mount -t tmpfs -o size=6g,mode=0755 nullify-install-test "$work"
root="$work/root"

# ---- The clean root: made once per set of sources, then unpacked from the cache ----------------
key="$(printf '%s\n' minbase "${sources[@]}" | sha256sum | cut -c1-12)"
tarball="$cache/$suite-minbase-$key.tar"
if [[ "${NULLIFY_REFRESH_ROOT:-}" == 1 ]]; then
    rm -f "$tarball"
fi
if [[ ! -f "$tarball" ]]; then
    say "making a minimal $suite root with mmdebstrap (cached as $tarball)"
    mkdir -p "$work/tmp"
    # Its output in a log, shown when it fails (with --quiet it says only that apt failed).
    if ! TMPDIR="$work/tmp" mmdebstrap --variant=minbase --mode=root --format=tar \
        --dpkgopt=force-unsafe-io "$suite" "$work/base.tar" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1 </dev/null; then
        grep -v '^Get:' "$work/mmdebstrap.log" | tail -n 40 >&2
        fail "mmdebstrap could not make the $suite root (its output above)"
    fi
    cp "$work/base.tar" "$tarball.partial"
    mv "$tarball.partial" "$tarball"
    rm -rf "$work/base.tar" "$work/tmp"
    step "made the $suite root"
fi
mkdir -p "$root"
tar -xf "$tarball" -C "$root" --numeric-owner
step "unpacked the clean $suite root ($(du -sh "$tarball" | cut -f1) tarball)"

# What the root needs to run apt and the app: name resolution, /proc, a few device nodes, and
# (outside the compared paths) a cache of downloaded packages kept between runs.
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
for node in null zero full random urandom tty; do
    if [[ ! -c "$root/dev/$node" ]]; then
        rm -f "$root/dev/$node"
        touch "$root/dev/$node"
        mount --bind "/dev/$node" "$root/dev/$node"
    fi
done
mkdir -p "$cache/apt-archives/partial"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}
apt_quiet() { # apt-get with its output kept in a log, shown when it fails
    local log="$work/apt.log"
    if ! in_root apt-get -o Dpkg::Use-Pty=0 -o APT::Keep-Downloaded-Packages=true "$@" >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        fail "apt-get $*"
    fi
}
# Every path in the root except the kernel file systems, scratch space and apt's caches.
snapshot() {
    in_root find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /run \
        -o -path /var/cache/apt -o -path /var/lib/apt/lists \) -prune -o -print | LC_ALL=C sort
}
# shellcheck disable=SC2016 # dpkg-query's format, not shell expansions
packages() { in_root dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | LC_ALL=C sort; }

apt_quiet update
step "apt-get update"
# A Debian system gets what its packages recommend (apt's default); minbase leaves that out. Had
# the install pulled one in (Debian 13: libidn2-0, which libc6 recommends), apt would keep it after
# the purge, rightly. So the clean root gets its own recommends first, those apt knows.
# shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
mapfile -t recommended < <(in_root dpkg-query -W -f '${Recommends}\n' | sed 's/[,|]/\n/g' | sed 's/(.*//; s/[[:space:]]//g' |
    grep -v '^$' | LC_ALL=C sort -u | while read -r name; do
        [[ "$(in_root apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ {print $2}')" =~ ^(|\(none\))$ ]] || echo "$name"
    done)
if [[ ${#recommended[@]} -gt 0 ]]; then
    apt_quiet install -y --no-install-recommends "${recommended[@]}"
    step "the root's own recommends: ${recommended[*]}"
fi
snapshot >"$work/before.txt"
packages >"$work/packages-before.txt"

# ---- Install ------------------------------------------------------------------------------------
cp "$DEB" "$root/tmp/$(basename "$DEB")"
apt_quiet install -y --no-install-recommends "/tmp/$(basename "$DEB")"
added=$(($(wc -l <<<"$(packages)") - $(wc -l <"$work/packages-before.txt")))
step "apt-get install ./$(basename "$DEB") (with $((added - 1)) dependencies from Debian)"
in_root dpkg-query -L nullify-desktop | LC_ALL=C sort >"$work/installed.txt"
for path in /usr/bin/nullify-desktop /usr/share/applications/ai.nullify.Desktop.desktop \
    /usr/share/metainfo/ai.nullify.Desktop.metainfo.xml /usr/share/icons/hicolor/scalable/apps/ai.nullify.Desktop.svg \
    /usr/share/man/man1/nullify-desktop.1.gz /usr/share/doc/nullify-desktop/copyright; do
    grep -qxF "$path" "$work/installed.txt" || fail "the installed package has no $path"
done

# ---- Start ---------------------------------------------------------------------------------------
mkdir -p "$root/tmp/home" "$root/tmp/runtime"
chmod 0700 "$root/tmp/runtime"
shown_version="$(in_root XDG_RUNTIME_DIR=/tmp/runtime nullify-desktop --version)"
say "nullify-desktop --version: $shown_version"
[[ "$shown_version" == "nullify-desktop $version" ]] || fail "expected 'nullify-desktop $version'"

status=0
output="$(timeout 60 chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp/home LC_ALL=C.UTF-8 \
    XDG_RUNTIME_DIR=/tmp/runtime QT_QPA_PLATFORM=offscreen nullify-desktop --exit-when-shown 2>"$work/app-stderr.txt")" ||
    status=$?
say "offscreen start: exit $status, stdout: $output"
if [[ -s "$work/app-stderr.txt" ]]; then
    say "its stderr:"
    sed 's/^/    /' "$work/app-stderr.txt"
fi
[[ $status -eq 0 ]] || fail "the offscreen start exited with $status"
[[ "$(head -n1 <<<"$output")" == "shown: $expected_window" ]] ||
    fail "expected the first line 'shown: $expected_window'"
step "started offscreen; first window: $expected_window"

# ---- Remove --------------------------------------------------------------------------------------
rm -rf "$root/tmp/home" "$root/tmp/runtime" "$root/tmp/$(basename "$DEB")"
apt_quiet purge -y --autoremove nullify-desktop
step "apt-get purge --autoremove nullify-desktop"
snapshot >"$work/after.txt"
packages >"$work/packages-after.txt"

problems=0
# shellcheck disable=SC2016 # dpkg-query's format, not a shell expansion
state="$(in_root dpkg-query -W -f '${db:Status-Abbrev}' nullify-desktop 2>/dev/null || true)"
if [[ -n "$state" && "${state:1:1}" != n ]]; then # n: not installed, no config files either
    say "dpkg still has nullify-desktop, state '$state'"
    problems=$((problems + 1))
fi
# Each path the package installed is gone, unless it was there before (a shared directory).
while read -r path; do
    [[ -z "$path" || "$path" == "/." ]] && continue
    if [[ -e "$root$path" || -L "$root$path" ]] && ! grep -qxF "$path" "$work/before.txt"; then
        say "left behind: $path"
        problems=$((problems + 1))
    fi
done <"$work/installed.txt"
# The same packages as before (the dependencies went with --autoremove) ...
if ! diff -u "$work/packages-before.txt" "$work/packages-after.txt"; then
    say "the installed packages differ from those before the install (above)"
    problems=$((problems + 1))
fi
# ... and the same paths, but for what apt, dpkg and ldconfig keep about their own work: their
# logs of this install and removal, the *-old copies of their databases, and ldconfig's auxiliary
# cache (libc-bin's trigger rebuilds it whenever libraries come or go; no package owns it), and
# debconf's scratch folder for the templates apt-utils extracts before an install.
noise='/var/log/(apt/(history|term|eipp)\.log.*|dpkg\.log|alternatives\.log)|/var/lib/dpkg/[a-z-]+-old|/var/cache/debconf/[a-z]+\.dat-old|/var/cache/debconf/tmp\.ci|/var/cache/ldconfig/aux-cache'
if ! diff -u "$work/before.txt" "$work/after.txt" | grep -E '^[-+]/' | grep -Ev "^[-+]($noise)$" >"$work/diff.txt"; then
    : # grep found nothing to report
fi
if [[ -s "$work/diff.txt" ]]; then
    say "paths that differ after the removal (+ added, - removed):"
    sed 's/^/    /' "$work/diff.txt"
    problems=$((problems + 1))
fi
[[ $problems -eq 0 ]] || fail "the removal left $problems problem(s)"
say "removed cleanly: $(wc -l <"$work/installed.txt") installed paths gone, $(wc -l <"$work/before.txt") paths and $(wc -l <"$work/packages-before.txt") packages as before"
say "PASS in $((SECONDS - started))s"
