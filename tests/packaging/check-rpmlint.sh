#!/usr/bin/env bash
# rpmlint on the .rpm with the project's configuration (packaging/rpm/rpmlint.toml: each setting
# and filter with the reason the default does not apply). Fails on any error or warning left.
set -euo pipefail
dir="${1:?usage: check-rpmlint.sh PACKAGES_DIR RPMLINT_TOML}"
config="${2:?usage: check-rpmlint.sh PACKAGES_DIR RPMLINT_TOML}"
command -v rpmlint >/dev/null || { echo "rpmlint not found; run scripts/setup.sh" >&2; exit 1; }
# shellcheck source=/dev/null
source "$dir/packages.env"
rpmlint --version
echo "+ rpmlint -c $config $(basename "$RPM")"
status=0
output="$(rpmlint -c "$config" "$RPM" 2>&1)" || status=$?
printf '%s\n' "$output"
summary="$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' <<<"$output" | tail -n1)"
if [[ -z "$summary" ]]; then
    echo "FAIL: no rpmlint summary line (exit $status)"
    exit 1
fi
if ! grep -Eq '(^|[^0-9])0 errors?, 0 warnings?' <<<"$summary"; then
    echo "FAIL: rpmlint reported errors or warnings that nothing in $config explains"
    exit 1
fi
echo "PASS: rpmlint found no error and no unfiltered warning"
