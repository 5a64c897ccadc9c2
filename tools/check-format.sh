#!/usr/bin/env bash
# Fails if any C source or header that git knows about is not as clang-format 14 would write it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || exit 0
if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "check-format: run  clang-format -i <file>  on the files above" >&2
    exit 1
fi
echo "check-format: ${#files[@]} files follow .clang-format"
