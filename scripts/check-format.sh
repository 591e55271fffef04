#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted by the repository's .clang-format.
#
#   scripts/check-format.sh          # check, list the files that differ, exit 1 if any
#   scripts/check-format.sh --fix    # format them in place
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v clang-format >/dev/null 2>&1; then
    echo "check-format: clang-format is not installed (scripts/setup.sh installs it)" >&2
    exit 2
fi

mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ "${1:-}" == --fix ]]; then
    clang-format -i "${files[@]}"
    exit 0
fi

unformatted=()
for file in "${files[@]}"; do
    clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if [[ ${#unformatted[@]} -gt 0 ]]; then
    echo "check-format: ${#unformatted[@]} file(s) differ from .clang-format (scripts/check-format.sh --fix):" >&2
    printf '  %s\n' "${unformatted[@]}" >&2
    exit 1
fi
echo "check-format: ${#files[@]} C++ files formatted"
