#!/usr/bin/env bash
# AppImage recipe for Nullify Desktop: linuxdeploy with its Qt plugin.
# NOT exercised on this project's machines (the linuxdeploy tools are AppImages published on
# GitHub, which they cannot reach); the CI workflow in packaging/ci/ runs it on a hosted runner
# in a debian:bookworm container, so the AppImage needs no newer glibc than Debian 12's.
#
#   packaging/appimage/build-appimage.sh        # from a checkout, after scripts/setup.sh
#
# Needs: the build dependencies (scripts/setup.sh), linuxdeploy-x86_64.AppImage and
# linuxdeploy-plugin-qt-x86_64.AppImage on PATH (or in LINUXDEPLOY_DIR), and FUSE or
# APPIMAGE_EXTRACT_AND_RUN=1 to run them. Output: build/appimage/Nullify_Desktop-<version>-x86_64.AppImage
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build/appimage"
appdir="$build/AppDir"
tools="${LINUXDEPLOY_DIR:-}"
linuxdeploy="${tools:+$tools/}linuxdeploy-x86_64.AppImage"
export PATH="${tools:+$tools:}$PATH"

# Hardened as the .deb is (cmake/NullifyHardening.cmake): stack protector, fortify, stack clash,
# CET, PIE, RELRO and BIND_NOW.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DNULLIFY_BUILD_TESTS=OFF -DNULLIFY_BUILD_BENCHMARKS=OFF -DNULLIFY_HARDENING=ON
cmake --build "$build" --parallel "$(nproc)"
rm -rf "$appdir"
# The default install component: binary, desktop entry, metainfo, icons, man page (the .deb/.rpm
# documentation components are not installed without --component).
DESTDIR="$appdir" cmake --install "$build" --strip

version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
# linuxdeploy-plugin-qt: Debian's qmake6; the SVG image and icon plugins (the app icon) and the
# Wayland platform plugin besides the X11 one it always takes.
export QMAKE="${QMAKE:-$(command -v qmake6 || echo /usr/lib/qt6/bin/qmake)}"
export EXTRA_QT_MODULES="svg"
export EXTRA_PLATFORM_PLUGINS="libqwayland-generic.so"
export LINUXDEPLOY_OUTPUT_VERSION="$version"
export OUTPUT="$build/Nullify_Desktop-$version-x86_64.AppImage"
# qtkeychain opens libsecret with dlopen() for the Secret Service, so linuxdeploy cannot see it:
# bundle it explicitly. The Secret Service itself (gnome-keyring, KeePassXC, KWallet) is the host's.
libsecret="$(ldconfig -p | awk '/libsecret-1\.so\.0 .*x86-64/ {print $NF; exit}')"
"$linuxdeploy" --appdir "$appdir" \
    --desktop-file "$appdir/usr/share/applications/ai.nullify.Desktop.desktop" \
    --icon-file "$appdir/usr/share/icons/hicolor/256x256/apps/ai.nullify.Desktop.png" \
    ${libsecret:+--library "$libsecret"} \
    --plugin qt --output appimage
echo "$OUTPUT"
