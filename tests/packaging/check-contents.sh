#!/usr/bin/env bash
# What the .deb and the .rpm install, their metadata and dependencies.
#
#   check-contents.sh PACKAGES_DIR VERSION RELEASE
#
# PACKAGES_DIR is what make-packages.sh left (packages.env, deb-root/, rpm-root/).
set -euo pipefail

dir="${1:?usage: check-contents.sh PACKAGES_DIR VERSION RELEASE}"
version="${2:?}"
release="${3:?}"
# shellcheck source=/dev/null
source "$dir/packages.env"

failures=0
check() { # check DESCRIPTION COMMAND...: runs the command, reports PASS/FAIL
    local what="$1"
    shift
    if "$@"; then
        printf 'PASS  %s\n' "$what"
    else
        printf 'FAIL  %s\n' "$what"
        failures=$((failures + 1))
    fi
}

app_id=ai.nullify.Desktop
sizes=(16 22 24 32 48 64 128 256 512)
shared=(
    usr/bin/nullify-desktop
    "usr/share/applications/$app_id.desktop"
    "usr/share/metainfo/$app_id.metainfo.xml"
    "usr/share/icons/hicolor/scalable/apps/$app_id.svg"
    usr/share/man/man1/nullify-desktop.1.gz
)
for size in "${sizes[@]}"; do
    shared+=("usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png")
done
deb_expected=("${shared[@]}"
    usr/share/doc/nullify-desktop/copyright
    usr/share/doc/nullify-desktop/changelog.gz
    usr/share/doc/nullify-desktop/changelog.Debian.gz
    usr/share/lintian/overrides/nullify-desktop)
rpm_expected=("${shared[@]}"
    usr/share/doc/nullify-desktop/changelog
    usr/share/licenses/nullify-desktop/copyright)

same_files() { # same_files ROOT EXPECTED...: the payload has exactly these files
    local root="$1"
    shift
    diff -u <(printf '%s\n' "$@" | sort) <(cd "$root" && find . -type f -o -type l | sed 's|^\./||' | sort)
}
check ".deb installs exactly the expected files" same_files "$dir/deb-root" "${deb_expected[@]}"
check ".rpm installs exactly the expected files" same_files "$dir/rpm-root" "${rpm_expected[@]}"

field() { dpkg-deb --field "$DEB" "$1"; }
check ".deb version is $version-$release" test "$(field Version)" = "$version-$release"
check ".rpm version is $version-$release" \
    test "$(rpm -qp --queryformat '%{VERSION}-%{RELEASE}' "$RPM" 2>/dev/null)" = "$version-$release"
depends="$(field Depends)"
printf '      Depends: %s\n      Recommends: %s\n      Suggests: %s\n' "$depends" "$(field Recommends)" \
    "$(field Suggests)"
# Debian 13 renamed libqt6core6 to libqt6core6t64 (the 64-bit time_t transition).
for dep in libqt6keychain1 libqt6widgets6 libqt6network6 'libqt6core6(t64)?' libc6 libqt6svg6 qt6-qpa-plugins; do
    check ".deb depends on $dep" grep -Eq "(^|, )$dep( |,|$)" <<<"$depends"
done
check ".deb suggests a Secret Service provider" grep -q 'gnome-keyring' <<<"$(field Suggests)"
check ".deb section and priority" test "$(field Section)/$(field Priority)" = "devel/optional"
requires="$(rpm -qp --requires "$RPM" 2>/dev/null)"
for soname in 'libqt6keychain.so.1()(64bit)' 'libQt6Widgets.so.6()(64bit)' 'libQt6Svg.so.6()(64bit)'; do
    check ".rpm requires $soname" grep -qxF "$soname" <<<"$requires"
done
check ".rpm has a %changelog for $version" grep -q -- "- $version-$release" \
    <<<"$(rpm -qp --changelog "$RPM" 2>/dev/null)"

for root in deb-root rpm-root; do
    bin="$dir/$root/usr/bin/nullify-desktop"
    check "$root: binary is stripped" grep -q ', stripped' <<<"$(file -b "$bin")"
    check "$root: binary mode 0755" test "$(stat -c %a "$bin")" = 755
    check "$root: --version prints $version" \
        test "$(QT_QPA_PLATFORM=offscreen "$bin" --version)" = "nullify-desktop $version"
    for size in "${sizes[@]}"; do
        check "$root: ${size}px icon is a ${size}x${size} PNG" grep -q "PNG image data, $size x $size," \
            <<<"$(file -b "$dir/$root/usr/share/icons/hicolor/${size}x${size}/apps/$app_id.png")"
    done
    check "$root: no file is group- or world-writable" \
        test -z "$(find "$dir/$root" -perm /022 -not -type l -print -quit)"
done

metainfo="$dir/deb-root/usr/share/metainfo/$app_id.metainfo.xml"
first_release="$(grep -o '<release version="[^"]*"' "$metainfo" | head -n1 | cut -d'"' -f2)"
check "metainfo's newest release is $version (packaging/changelog)" test "$first_release" = "$version"
check "man page names version $version" grep -q "Nullify Desktop $version" \
    <<<"$(zcat "$dir/deb-root/usr/share/man/man1/nullify-desktop.1.gz")"
check "Debian changelog's newest entry is $version-$release" grep -q "^nullify-desktop ($version-$release)" \
    <<<"$(zcat "$dir/deb-root/usr/share/doc/nullify-desktop/changelog.Debian.gz" | head -n1)"

if [[ $failures -gt 0 ]]; then
    printf '%d check(s) failed\n' "$failures"
    exit 1
fi
printf 'all package content checks passed\n'
