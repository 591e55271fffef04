#!/usr/bin/env bash
# lintian on the .deb. Fails on any error or warning that is not overridden; the overrides ship in
# the package (/usr/share/lintian/overrides/nullify-desktop, from
# packaging/debian/nullify-desktop.lintian-overrides), each with the reason it does not apply.
# Informational tags and the overridden ones are printed for the record.
set -euo pipefail
dir="${1:?usage: check-lintian.sh PACKAGES_DIR}"
command -v lintian >/dev/null || { echo "lintian not found; run scripts/setup.sh" >&2; exit 1; }
# shellcheck source=/dev/null
source "$dir/packages.env"
lintian --version
# --show-overrides prints each overridden tag with its reason; lintian then counts those in its
# --fail-on decision too, so the verdict is taken from the output: no E: or W: line may remain.
echo "+ lintian --display-info --show-overrides $(basename "$DEB")"
status=0
output="$(lintian --display-info --show-overrides --tag-display-limit 0 --fail-on none "$DEB" 2>&1)" || status=$?
printf '%s\n' "$output"
if [[ $status -ne 0 ]]; then
    echo "FAIL: lintian itself failed (exit $status)"
    exit 1
fi
if grep -Eq '^[EW]: ' <<<"$output"; then
    echo "FAIL: lintian reported errors or warnings that no override in the package explains"
    exit 1
fi
echo "PASS: lintian found no error and no warning without a justified override"
