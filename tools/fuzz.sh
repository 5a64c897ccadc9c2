#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, build directory build-fuzz) and
# runs each for SECONDS (default 20), as many at once as there are cores: first over its
# committed seeds and regression inputs (fuzz/corpus/TARGET), then on mutations of them. Fails
# on any crash, sanitizer report, leak, timeout (an input taking over 10 s) or out-of-memory,
# printing the log's end and the input that did it; prints the executions per target.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]        targets: proto sframe api config wav (default all)
#
# What the runs find is kept in fuzz/corpus-run/TARGET (not committed), so that later runs
# start from there; crashing inputs go to fuzz/corpus-run/artifacts/. docs/SECURITY.md says how
# to run the targets for hours.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(proto sframe api config wav)
case "$seconds" in '' | *[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
jobs=$(nproc)

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOLK_FUZZ=ON \
    -DTOLK_SANITIZE=ON -DTOLK_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz >build-fuzz/fuzz-build.log 2>&1 || {
    tail -n 40 build-fuzz/fuzz-build.log >&2
    echo "fuzz: the build failed (build-fuzz/fuzz-build.log)" >&2
    exit 1
}

# Stack frames that have returned are poisoned too: a bug of that kind was found this way.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_one() {
    local t=$1 log=build-fuzz/fuzz-$1.log dict=()
    mkdir -p "fuzz/corpus-run/$t" fuzz/corpus-run/artifacts
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="fuzz/corpus-run/artifacts/$t-" "${dict[@]}" \
        "fuzz/corpus-run/$t" "fuzz/corpus/$t" >"$log" 2>&1
}

# Starts every target, at most $jobs at a time, and remembers which failed.
declare -A pid_of
failed=()
for t in "${targets[@]}"; do
    [ -x "build-fuzz/fuzz/fuzz_$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
    run_one "$t" &
    pid_of[$t]=$!
done
for t in "${targets[@]}"; do
    wait "${pid_of[$t]}" || failed+=("$t")
done

for t in "${targets[@]}"; do
    log=build-fuzz/fuzz-$t.log
    execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
    rate=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log")
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$done_line")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9a-zA-Z]+) .*/\1/p' <<<"$done_line")
    printf 'fuzz: %-6s %8s executions in %s s (%s/s), coverage %s, corpus %s\n' "$t" \
        "${execs:-?}" "$seconds" "${rate:-?}" "${cov:-?}" "${corp:-?}"
done
if [ ${#failed[@]} -gt 0 ]; then
    for t in "${failed[@]}"; do
        echo "---- fuzz_$t failed: end of build-fuzz/fuzz-$t.log" >&2
        grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "build-fuzz/fuzz-$t.log" | tail -n 60 >&2
    done
    echo "fuzz: FAILED: ${failed[*]} (inputs in fuzz/corpus-run/artifacts/)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash"
