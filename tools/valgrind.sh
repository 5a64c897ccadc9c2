#!/usr/bin/env bash
# Memory safety under valgrind memcheck (docs/SECURITY.md, "Memory safety"): every unit test, and
# a subset of the integration tests with every tolkd they start under valgrind
# (tests/integration/tolktest.py: TOLKD_WRAPPER). It needs a release build (RelWithDebInfo): a
# build with AddressSanitizer cannot run under valgrind. Fails on any memcheck error or
# definitely lost block (valgrind's exit status 99, which the integration tests check when they
# stop tolkd), and prints the reports.
#
#   tools/valgrind.sh [BUILD_DIR]     (default: build, as tools/test configures it)
#
# TOLK_VALGRIND_TESTS: the integration tests to run, a ctest -R regex (default below: the subset
# SECURITY.md names, and why). Reports stay in BUILD_DIR/valgrind/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
jobs=$(nproc)
subset=${TOLK_VALGRIND_TESTS:-'^integration\.(relay|interp|faults|abuse|tls)$'}
logs=$build/valgrind
rm -rf "$logs"
mkdir -p "$logs"
vg="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --num-callers=30"
export VG="$vg" LOGS="$logs"

# One unit test (NAME COMMAND...) under valgrind; prints a line; exit status as valgrind's.
unit() {
    local name=$1 started rc=0
    shift
    started=$(date +%s)
    CMOCKA_MESSAGE_OUTPUT=STDOUT $VG --log-file="$LOGS/$name.log" "$@" >"$LOGS/$name.out" 2>&1 ||
        rc=$?
    printf '%-28s %s %4ss\n' "$name" "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")" \
        "$(($(date +%s) - started))"
    return $rc
}
export -f unit

echo "valgrind: unit tests"
started=$(date +%s)
failed=0
ctest --test-dir "$build" -L unit --show-only=json-v1 |
    python3 -c 'import json, sys
slow = ("unit.test_route", "unit.test_audio")  # the longest first, so the two cores stay busy
tests = sorted(json.load(sys.stdin)["tests"], key=lambda t: t["name"] not in slow)
for t in tests:
    print(t["name"], *t["command"])' |
    (cd "$build/tests" && xargs -P "$jobs" -L 1 bash -c 'unit "$@"' unit) || failed=1
echo "valgrind: unit tests took $(($(date +%s) - started)) s"

echo "valgrind: integration tests ${subset} with tolkd under valgrind"
started=$(date +%s)
TOLKD_WRAPPER="$vg --log-file=$logs/tolkd.%p.log" \
    ctest --test-dir "$build" -R "$subset" --output-on-failure -j "$jobs" || failed=1
echo "valgrind: integration tests took $(($(date +%s) - started)) s"

# Every report with an error or a definite leak, whoever noticed it (a tolkd a test killed with
# SIGKILL leaves a report without a summary: nothing to judge).
bad=$(grep -l -E 'ERROR SUMMARY: [1-9]' "$logs"/*.log 2>/dev/null || true)
for f in $bad; do
    echo "== $f"
    cat "$f"
done
if [ "$failed" -ne 0 ] || [ -n "$bad" ]; then
    echo "valgrind: FAILED (reports in $logs)" >&2
    exit 1
fi
echo "valgrind: no errors and no definite leaks (reports in $logs)"
