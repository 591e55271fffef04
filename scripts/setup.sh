#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that Nullify Desktop needs to build, run and test.
#
#   scripts/setup.sh
#
# For Debian 12 (bookworm) or Ubuntu 24.04 and later (Qt 6.4 or newer). Idempotent: when every
# package is already installed it changes nothing and needs no root. Otherwise it runs
# apt-get update and apt-get install, through sudo unless it already runs as root.
set -euo pipefail

packages=(
    # build: compiler, CMake + Ninja, Qt 6 (Core, Network, Widgets, Test, tools), qtkeychain
    build-essential cmake ninja-build ccache
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    qtkeychain-qt6-dev libgl-dev
    # run: the Qt SVG plugins that draw the app icon
    libqt6svg6
    # tests: private D-Bus session with a throwaway keyring, a virtual X server, formatting
    dbus gnome-keyring libsecret-1-0 xvfb xauth clang-format
    # tests: a real HTTP/2 server over TLS for tst_http2 (nghttpd)
    nghttp2-server
    # tests and run-demo.sh --tls: nghttpx as a TLS-terminating HTTP/2 reverse proxy in front of the
    # sandbox (tests/support/tlsreverseproxy.h), with a CA made per run by the openssl command
    nghttp2-proxy openssl
    # tests: the scripted HTTP/2 peer of tst_http2retries (tests/support/h2peer.py), which sends
    # GOAWAY and REFUSED_STREAM on demand
    python3-h2
    # scripts/run-sandbox.sh asks the sandbox for its scope with curl
    curl
    # packages (scripts/build-packages.sh, tests/packaging): CPack's .deb and .rpm (dpkg-shlibdeps,
    # rpmbuild), PNG icons from the SVG, the checks (lintian, rpmlint, desktop-file-validate,
    # appstreamcli, file, cpio to unpack the .rpm, hardening-check from devscripts) and the
    # install test's clean Debian root
    dpkg-dev rpm cpio librsvg2-bin lintian rpmlint desktop-file-utils appstream file devscripts
    mmdebstrap debian-archive-keyring
)
# The fuzz preset (tests/fuzz): clang and libFuzzer, which comes with the compiler runtime of the
# same clang version (14 on Debian 12, 19 on Debian 13, 18 on Ubuntu 24.04): the installed clang's
# version, else the one apt would install (a root without package lists knows only the installed).
clang_version=$(dpkg-query -W -f='${Depends}' clang 2>/dev/null | grep -o 'clang-[0-9][0-9]*' | head -1 || true)
if [[ -z "$clang_version" ]]; then
    clang_version=$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: \(clang-[0-9][0-9]*\)$/\1/p' | head -1 || true)
fi
clang_version="${clang_version#clang-}"
packages+=(clang "libclang-rt-${clang_version:-14}-dev")
# Packages that only some releases have, installed where apt knows them: Debian 13 moved the Qt SVG
# plugins (the app and navigation icons) out of libqt6svg6 into qt6-svg-plugins.
optional_packages=(qt6-svg-plugins)
has_candidate() {
    local candidate
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    [[ -n "$candidate" && "$candidate" != "(none)" ]]
}
for package in "${optional_packages[@]}"; do
    if has_candidate "$package"; then
        packages+=("$package")
    fi
done
# The contract check (tests/contract) runs Prism on Node.js. npm installs Prism into the clone (at
# the end) when it is missing or older than package-lock.json (npm ci rewrites
# node_modules/.package-lock.json); only then is npm needed. A node and npm already on PATH are
# used as they are; only without them are Debian's packages installed. In the Debian 13 root
# (scripts/trixie-root.sh) Prism comes with the mounted clone, so it gets node without Debian's npm
# (340 packages more).
contract="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/contract"
prism_to_install=0
if [[ -f "$contract/package-lock.json" ]] && [[ ! -x "$contract/node_modules/.bin/prism" ||
    "$contract/package-lock.json" -nt "$contract/node_modules/.package-lock.json" ]]; then
    prism_to_install=1
fi
if ! command -v node >/dev/null 2>&1; then
    packages+=(nodejs)
fi
if [[ $prism_to_install == 1 ]] && ! command -v npm >/dev/null 2>&1; then
    packages+=(npm)
fi

log() { printf 'setup: %s\n' "$*"; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    log "apt-get not found: this script supports Debian and Ubuntu only." >&2
    log "needed packages: ${packages[*]}" >&2
    exit 1
fi

# One dpkg-query for all: the names that are fully installed.
declare -A installed=()
while read -r name status; do
    [[ "$status" == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for package in "${packages[@]}"; do
    [[ -n "${installed[$package]:-}" ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    log "all ${#packages[@]} packages already installed"
else
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if ! command -v sudo >/dev/null 2>&1; then
            log "not root and sudo is not available; install as root: apt-get install ${missing[*]}" >&2
            exit 1
        fi
        sudo=(sudo)
    fi
    apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0)

    log "installing ${#missing[@]} package(s), this can take a few minutes: ${missing[*]}"
    "${apt[@]}" update -qq
    # Fresh package lists can know a release's optional package that the old ones did not.
    for package in "${optional_packages[@]}"; do
        if [[ -z "${installed[$package]:-}" && " ${missing[*]} " != *" $package "* ]] && has_candidate "$package"; then
            missing+=("$package")
        fi
    done

    # Refuse clearly, before apt does, when a name has no candidate on this release.
    unavailable=()
    for package in "${missing[@]}"; do
        candidate="$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ {print $2}')"
        if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
            unavailable+=("$package")
        fi
    done
    if [[ ${#unavailable[@]} -gt 0 ]]; then
        log "not available from this system's apt sources: ${unavailable[*]}" >&2
        log "Nullify Desktop needs Debian 12 (bookworm) or Ubuntu 24.04 or newer." >&2
        exit 1
    fi

    "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
    log "done"
fi

release="$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")"
qt_version="$(qtpaths6 --qt-query QT_VERSION 2>/dev/null || true)"
if [[ -z "$qt_version" ]]; then
    qt_version="$(dpkg-query -W -f='${Version}' qt6-base-dev)" # e.g. 6.4.2+dfsg-10
    qt_version="${qt_version#*:}"
    qt_version="${qt_version%%[+~-]*}"
fi
log "found ${release:-an unknown release} with Qt $qt_version"
if dpkg --compare-versions "$qt_version" lt 6.4; then
    log "warning: Qt is $qt_version but the project needs Qt 6.4 or newer" >&2
fi

# Prism for the contract check, from tests/contract/package-lock.json (see prism_to_install above).
if [[ ! -f "$contract/package-lock.json" ]]; then
    # setup.sh copied alone into a new root (scripts/trixie-root.sh): Prism comes with the clone.
    log "no tests/contract beside this script: Prism is installed by setup.sh in the clone"
elif [[ $prism_to_install == 1 ]]; then
    log "installing Prism for the contract check (npm ci --prefix tests/contract)"
    npm ci --prefix "$contract" --no-audit --no-fund --loglevel=error
else
    log "Prism for the contract check already installed"
fi
