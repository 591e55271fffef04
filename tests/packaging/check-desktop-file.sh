#!/usr/bin/env bash
# desktop-file-validate on the desktop entry as shipped in the .deb (the .rpm carries the same
# file; check-contents.sh compares the payloads). Any message, even a hint, fails the check.
set -euo pipefail
dir="${1:?usage: check-desktop-file.sh PACKAGES_DIR}"
command -v desktop-file-validate >/dev/null || { echo "desktop-file-validate not found; run scripts/setup.sh" >&2; exit 1; }
file="$dir/deb-root/usr/share/applications/ai.nullify.Desktop.desktop"
status=0
output="$(desktop-file-validate "$file" 2>&1)" || status=$?
printf '%s\n' "$output"
if [[ $status -ne 0 || -n "$output" ]]; then
    echo "FAIL: desktop-file-validate reported problems in $file"
    exit 1
fi
cmp -s "$file" "$dir/rpm-root/usr/share/applications/ai.nullify.Desktop.desktop" || { echo "FAIL: the .rpm's desktop file differs"; exit 1; }
echo "PASS: desktop-file-validate $file"
