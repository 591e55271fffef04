#!/usr/bin/env bash
# hardening-check (devscripts) on the binary in the .deb and in the .rpm: PIE, stack protector,
# fortified libc calls, RELRO and BIND_NOW must all be there (cmake/NullifyHardening.cmake, and
# dpkg-buildflags in scripts/build-packages.sh).
#
#   check-hardening.sh PACKAGES_DIR
#
# Control-flow protection (-fcf-protection, x86-64): hardening-check looks for the IBT/SHSTK mark,
# which the linker sets only if every object in the binary has it. Debian 12's C start files
# (Scrt1.o, crti.o, crtn.o from libc6-dev) do not, so no bookworm binary has the mark, however it
# was compiled. Where the start files lack it, the mark is not asked for; instead this checks that
# our own code was compiled for CET: its functions begin with endbr64, which a build without
# -fcf-protection has none of (2 in the whole binary, from libc's start files).
set -euo pipefail

dir="${1:?usage: check-hardening.sh PACKAGES_DIR}"
command -v hardening-check >/dev/null || { echo "hardening-check not found (devscripts); run scripts/setup.sh" >&2; exit 1; }
# shellcheck source=/dev/null
source "$dir/packages.env"

# Below this many endbr64 the code was not built with -fcf-protection (the app has thousands of
# functions; an unprotected build has a couple from the start files).
min_endbr=1000

options=()
cet_marked_crt=no
if [[ "$(uname -m)" == x86_64 ]]; then
    crt="$(g++ -print-file-name=Scrt1.o)"
    if readelf -n "$crt" | grep -q 'x86 feature: IBT, SHSTK'; then
        cet_marked_crt=yes
    else
        echo "note: $crt has no IBT/SHSTK mark, so no binary linked here can have it: checking endbr64 instead"
        options+=(--nocfprotection)
    fi
else
    echo "note: control-flow protection is checked on x86-64 only ($(uname -m) here)"
    options+=(--nocfprotection)
fi

# Branch protection (BTI, PAC) is an AArch64 feature; hardening-check asks for it since Debian 13
# (devscripts 2.25), on every architecture unless told not to.
if [[ "$(uname -m)" != aarch64 && "$(hardening-check --help 2>&1 || true)" == *--nobranchprotection* ]]; then
    options+=(--nobranchprotection)
fi

failures=0
for binary in "$dir/deb-root/usr/bin/nullify-desktop" "$dir/rpm-root/usr/bin/nullify-desktop"; do
    echo "+ hardening-check ${options[*]} ${binary#"$dir"/}"
    if hardening-check "${options[@]}" "$binary"; then
        echo "PASS  hardening-check ${binary#"$dir"/}"
    else
        echo "FAIL  hardening-check ${binary#"$dir"/}"
        failures=$((failures + 1))
    fi
    if [[ "$(uname -m)" == x86_64 && $cet_marked_crt == no ]]; then
        endbr="$(objdump -d --no-show-raw-insn "$binary" | grep -c 'endbr64' || true)"
        if [[ $endbr -ge $min_endbr ]]; then
            echo "PASS  $endbr endbr64 in ${binary#"$dir"/}: compiled with -fcf-protection"
        else
            echo "FAIL  only $endbr endbr64 in ${binary#"$dir"/} (at least $min_endbr expected): not compiled with -fcf-protection"
            failures=$((failures + 1))
        fi
    fi
done

if [[ $failures -ne 0 ]]; then
    echo "FAIL: $failures hardening check(s) failed"
    exit 1
fi
echo "PASS: both packaged binaries are hardened"
