#!/usr/bin/env bash
# AppStream checks without network access: the metainfo file alone (appstreamcli validate), then
# the installed tree (validate-tree: the metainfo with its desktop entry and icons). Errors and
# warnings fail (appstreamcli's own exit code); info and pedantic notes are printed.
set -euo pipefail
dir="${1:?usage: check-metainfo.sh PACKAGES_DIR}"
command -v appstreamcli >/dev/null || { echo "appstreamcli not found; run scripts/setup.sh" >&2; exit 1; }
root="$dir/deb-root"
appstreamcli --version
echo "+ appstreamcli validate --no-net --pedantic --explain ai.nullify.Desktop.metainfo.xml"
appstreamcli validate --no-net --pedantic --explain "$root/usr/share/metainfo/ai.nullify.Desktop.metainfo.xml"
echo "+ appstreamcli validate-tree --no-net --pedantic --explain deb-root"
appstreamcli validate-tree --no-net --pedantic --explain "$root"
cmp -s "$root/usr/share/metainfo/ai.nullify.Desktop.metainfo.xml" \
    "$dir/rpm-root/usr/share/metainfo/ai.nullify.Desktop.metainfo.xml" || { echo "FAIL: the .rpm's metainfo differs"; exit 1; }
echo "PASS: AppStream metainfo valid"
