#!/usr/bin/env bash
# macOS recipe for Nullify Desktop: an app bundle in a drag-and-drop .dmg with CPack.
# NOT exercised on this project's machines (they run Debian only); the CI workflow in
# packaging/ci/ runs it on a hosted macOS runner.
#
#   packaging/macos/build-macos.sh /path/to/Qt/6.8.1/macos
#
# Needs: Xcode command line tools, CMake 3.22+, Ninja, Git, Qt 6.4+ (with Qt SVG).
# qtkeychain keeps the session in the macOS Keychain; it is built here from source. macdeployqt
# runs through the deploy script that app/CMakeLists.txt installs and copies Qt's frameworks and
# plugins and qtkeychain's dylib into the bundle. Signing and notarisation (codesign, notarytool)
# need the publisher's Developer ID and are left to the release process.
set -euo pipefail

qt="${1:?usage: build-macos.sh QT_PREFIX}"
tag="${QTKEYCHAIN_TAG:-0.14.3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$root/build/macos"
deps="$work/deps"
mkdir -p "$work"

if [[ ! -d "$work/qtkeychain" ]]; then
    git clone --depth 1 --branch "$tag" https://github.com/frankosterfeld/qtkeychain.git "$work/qtkeychain"
fi
cmake -S "$work/qtkeychain" -B "$work/qtkeychain-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_WITH_QT6=ON -DBUILD_TRANSLATIONS=OFF -DBUILD_TEST_APPLICATION=OFF \
    -DCMAKE_PREFIX_PATH="$qt" -DCMAKE_INSTALL_PREFIX="$deps" -DCMAKE_INSTALL_NAME_DIR="$deps/lib"
cmake --build "$work/qtkeychain-build"
cmake --install "$work/qtkeychain-build"

# Hardened (cmake/NullifyHardening.cmake): -fstack-protector-strong and -D_FORTIFY_SOURCE=2; PIE
# is Apple's default.
cmake -S "$root" -B "$work/app" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DNULLIFY_BUILD_TESTS=OFF -DNULLIFY_BUILD_BENCHMARKS=OFF -DNULLIFY_HARDENING=ON -DCMAKE_PREFIX_PATH="$qt;$deps" \
    -DCMAKE_OSX_DEPLOYMENT_TARGET=12.0
cmake --build "$work/app"
cpack --config "$work/app/CPackConfig.cmake" -G DragNDrop -B "$work/packages"
ls "$work/packages"/*.dmg
