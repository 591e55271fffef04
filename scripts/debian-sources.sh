# shellcheck shell=bash
# Sourced, not run: the apt sources for a Debian root made with mmdebstrap, from the Debian mirror
# this machine's apt already uses (used by scripts/trixie-root.sh and tests/packaging/install-test.sh).
#
#   source scripts/debian-sources.sh
#   debian_sources SUITE    # prints "deb URI SUITE main", "... SUITE-updates main", "... SUITE-security main"
#
# The mirror is the URI of the machine's entry for its own Debian release or for SUITE (say
# bookworm on a Debian 12 machine, used for a trixie root as well); the security mirror likewise
# from a *-security entry. Without one (an Ubuntu machine), deb.debian.org. NULLIFY_DEBIAN_MIRROR
# chooses the main mirror instead.

# Prints "URI SUITE" for each enabled deb entry, one-line (.list) and deb822 (.sources) formats.
apt_source_entries() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        awk '$1 == "deb" {
                 i = 2
                 if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                 print $i, $(i + 1)
             }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             {
                 types = ""; uris = ""; suites = ""; enabled = "yes"
                 for (i = 1; i <= NF; i++) {
                     line = $i
                     if (line ~ /^#/ || !match(line, /^[A-Za-z-]+:/)) continue
                     key = tolower(substr(line, 1, RLENGTH - 1))
                     value = substr(line, RLENGTH + 1)
                     gsub(/^[ \t]+|[ \t]+$/, "", value)
                     if (key == "types") types = value
                     else if (key == "uris") uris = value
                     else if (key == "suites") suites = value
                     else if (key == "enabled") enabled = tolower(value)
                 }
                 if (enabled == "no" || types !~ /(^| )deb( |$)/) next
                 nu = split(uris, u, " "); ns = split(suites, s, " ")
                 for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b]
             }' "$f"
    done
}

# This machine's Debian release (bookworm, trixie), nothing when it is not Debian.
debian_release() {
    (. /etc/os-release 2>/dev/null && [[ "${ID:-}" == debian ]] && printf '%s' "${VERSION_CODENAME:-}") || true
}

debian_sources() {
    local suite="$1" own mirror="${NULLIFY_DEBIAN_MIRROR:-}" security="" uri entry_suite
    # This machine's own Debian release, if it is Debian: its entries name the Debian mirror.
    own="$(debian_release)"
    while read -r uri entry_suite; do
        case "$entry_suite" in
            "$suite" | "${own:-$suite}") [[ -n "$mirror" ]] || mirror="$uri" ;;
            "$suite-security" | "${own:-$suite}-security") [[ -n "$security" ]] || security="$uri" ;;
        esac
    done < <(apt_source_entries)
    mirror="${mirror:-http://deb.debian.org/debian}"
    security="${security:-http://deb.debian.org/debian-security}"
    printf 'deb %s %s main\n' "${mirror%/}" "$suite" "${mirror%/}" "$suite-updates" "${security%/}" "$suite-security"
}
