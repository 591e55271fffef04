#!/usr/bin/env bash
# Builds the Linux packages of Nullify Desktop, a .deb and an .rpm, and prints their paths.
#
#   scripts/build-packages.sh
#
# 1. scripts/setup.sh installs what the build and CPack need (skipped with NULLIFY_SKIP_SETUP=1);
# 2. configures a Release build without tests in build/release (NULLIFY_BUILD_DIR to change),
#    with Debian's hardening flags from dpkg-buildflags (as a Debian package build would get) and
#    the project's own (cmake/NullifyHardening.cmake);
# 3. builds the app, the rendered icons and the compressed man page and changelogs;
# 4. runs CPack (generators DEB and RPM) into build/release/packages.
#
# Checks of the result (lintian, rpmlint, desktop-file-validate, appstreamcli, the install test on a
# clean Debian root) are CTest tests: ctest --preset default -L packaging
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NULLIFY_BUILD_DIR:-$root/build/release}"
out="$build/packages"

step() { printf '\n==> %s\n' "$*"; }

if [[ "${NULLIFY_SKIP_SETUP:-}" != 1 ]]; then
    step "Checking packages (scripts/setup.sh)"
    "$root/scripts/setup.sh"
fi

# Debian's hardening (stack protector, fortify, relro, bindnow, PIE), without -g: the packaged
# binary is stripped. On Debian 12 hardening=+all has no stack clash protection and no CET;
# NULLIFY_HARDENING adds -fstack-clash-protection and -fcf-protection (x86-64) to these flags.
export DEB_BUILD_MAINT_OPTIONS="hardening=+all"
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
ldflags="$(dpkg-buildflags --get LDFLAGS)"
cxxflags="$(sed -E 's/(^| )-g( |$)/ /g' <<<"$cxxflags")"

step "Configuring a Release build in $build"
cmake -S "$root" -B "$build" -G Ninja --log-level=WARNING \
    -DCMAKE_BUILD_TYPE=Release \
    -DNULLIFY_BUILD_TESTS=OFF \
    -DNULLIFY_BUILD_BENCHMARKS=OFF \
    -DNULLIFY_HARDENING=ON \
    -DCMAKE_CXX_FLAGS="$cxxflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$ldflags"

step "Building"
cmake --build "$build" --parallel "$(nproc)"

step "Packaging (cpack -G \"DEB;RPM\")"
rm -rf "$out"
cpack --config "$build/CPackConfig.cmake" -G "DEB;RPM" -B "$out" >"$build/cpack.log" 2>&1 || {
    cat "$build/cpack.log" >&2
    echo "build-packages: cpack failed (log above, also in $build/cpack.log)" >&2
    exit 1
}
rm -rf "$out/_CPack_Packages"

shopt -s nullglob
packages=("$out"/*.deb "$out"/*.rpm)
if [[ ${#packages[@]} -ne 2 ]]; then
    echo "build-packages: expected a .deb and an .rpm in $out, found: ${packages[*]:-nothing}" >&2
    exit 1
fi
step "Packages"
printf '%s\n' "${packages[@]}"
