#!/usr/bin/env bash
# Test fixture "nullify_packages": builds the .deb and the .rpm from a configured build tree with
# CPack, then unpacks each next to it for the checks that read the files.
#
#   make-packages.sh BUILD_DIR OUT_DIR
#
# OUT_DIR is emptied first. Afterwards it holds the two packages, deb-root/ and rpm-root/ (their
# payloads), and packages.env (DEB=..., RPM=...) for the other package tests.
set -euo pipefail

build="${1:?usage: make-packages.sh BUILD_DIR OUT_DIR}"
out="${2:?usage: make-packages.sh BUILD_DIR OUT_DIR}"

build="$(realpath "$build")"
out="$(realpath -m "$out")"

fail() { printf 'make-packages: %s\n' "$*" >&2; exit 1; }

for tool in cpack dpkg-deb dpkg-shlibdeps rpmbuild rpm2cpio cpio; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found; run scripts/setup.sh"
done

# What the packages contain must be built; a no-op after a full build (as in CI).
cmake --build "$build" --target nullify-desktop nullify_packaging_files

rm -rf "$out"
mkdir -p "$out"
cpack --config "$build/CPackConfig.cmake" -G "DEB;RPM" -B "$out" >"$out/cpack.log" 2>&1 || {
    cat "$out/cpack.log" >&2
    fail "cpack failed (log above)"
}

shopt -s nullglob
debs=("$out"/*.deb)
rpms=("$out"/*.rpm)
[[ ${#debs[@]} -eq 1 ]] || fail "expected one .deb in $out, found ${#debs[@]}"
[[ ${#rpms[@]} -eq 1 ]] || fail "expected one .rpm in $out, found ${#rpms[@]}"

mkdir -p "$out/deb-root" "$out/rpm-root"
dpkg-deb -x "${debs[0]}" "$out/deb-root"
(cd "$out/rpm-root" && rpm2cpio "${rpms[0]}" | cpio -idm --quiet)
printf 'DEB=%q\nRPM=%q\n' "${debs[0]}" "${rpms[0]}" >"$out/packages.env"

printf 'built %s (%s bytes)\n' "${debs[0]}" "$(stat -c %s "${debs[0]}")"
printf 'built %s (%s bytes)\n' "${rpms[0]}" "$(stat -c %s "${rpms[0]}")"
