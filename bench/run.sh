#!/usr/bin/env bash
# Relay benchmark: tolkd against bench-bare-relay under the same load, in the same run.
#
#   bench/run.sh [--sessions "50 100 150 200 250 300"] [--seconds 15] [--warmup 3]
#                [--relays "bare tolkd"] [--payload 60] [--frame-ms 20] [--out FILE]
#                [--pin yes|no] [--build-dir DIR] [--no-build]
#                [--server-wrap "valgrind --tool=callgrind ..."] [--perf DIR]
#   bench/run.sh --report FILE [--no-build]   (the tables again, from an --out FILE)
#
# Builds a Release tree in build-bench (--build-dir DIR: there; --no-build: use it as it is),
# makes a development certificate in a temporary directory and, for every N in --sessions and
# every relay in --relays, starts the relay on 127.0.0.1 (an ephemeral port), drives it with
# tolk-load (N three-party sessions), samples the relay's CPU and RSS over the measured window,
# and stops it. Relays: "bare" (bench-bare-relay, one frame per write, as tolkd writes),
# "bare-coalesce" (bench-bare-relay --coalesce: every queued frame in one write), "tolkd"
# (max_connections = 3N + 64) and "tolkd-indexed" (max_connections = `ulimit -n` - 64: then
# tolkd's fd_limit_per_thread is not below the open-file limit, and lws 4.1.6 finds a socket's
# wsi by indexing instead of a linear scan; see docs/BENCHMARKS.md). Then prints the results
# table, the capacity of each relay (the largest N with p99 < 5 ms and no loss) and the
# wire-bytes table.
#
# --pin yes (the default with 2 or more CPUs) runs the relay on CPU 0 and tolk-load on CPU 1,
# so that the two do not take turns on one core at the scheduler's whim.
#
# Profiling: --server-wrap puts a command in front of the relay (e.g. valgrind; it must exec
# the relay in the same process); --perf DIR records each relay with
# `perf record -e cpu-clock -g` during its load run, into DIR/RELAY-N.data.
#
# Every process it starts is stopped on exit; the whole run is bounded (see budget below); only
# 127.0.0.1 is used. The raw JSON lines of tolk-load are kept in --out (default: the temp dir,
# removed at exit).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
sessions="50 100 150 200 250 300"
seconds=15
warmup=3
relays="bare tolkd"
payload=60
frame_ms=20
out=""
build_it=yes
report_only=""
wrap=""
perf_dir=""
pin=$([ "$(nproc)" -ge 2 ] && echo yes || echo no)
while [ $# -gt 0 ]; do
    case $1 in
    --sessions) sessions=$2 ;;
    --seconds) seconds=$2 ;;
    --warmup) warmup=$2 ;;
    --relays) relays=$2 ;;
    --payload) payload=$2 ;;
    --frame-ms) frame_ms=$2 ;;
    --out) out=$2 ;;
    --pin) pin=$2 ;;
    --server-wrap) wrap=$2 ;;
    --perf) perf_dir=$2 ;;
    --report) report_only=$2 ;;
    --build-dir) build=$2 ;;
    --no-build) build_it=no && set -- "$1" "$@" ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "run.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift 2
done
for n in $sessions; do
    case $n in '' | *[!0-9]*) echo "run.sh: --sessions takes whole numbers" >&2 && exit 2 ;; esac
done
runs=$(($(wc -w <<<"$sessions") * $(wc -w <<<"$relays")))
# Per run: set-up (<= 60 s in tolk-load), warm-up, window, drain, start and stop; plus the build.
per_run=$((seconds + warmup + 40))
budget=$((600 + runs * per_run))

tmp=$(mktemp -d /tmp/tolk-bench.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Watchdog: the whole run ends after $budget seconds whatever happens.
(
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    sleep "$budget" &
    nap=$!
    wait "$nap"
    echo "run.sh: time budget of ${budget}s exceeded" >&2
    kill -TERM $$
) &
pids+=($!)

report() { # RESULTS: the tables, from tolk-load's JSON lines alone
    local first placement
    first=$(head -1 "$1")
    placement=$(jq -r 'if .pinned then "relay on CPU 0, tolk-load on CPU 1"
        else "relay and tolk-load unpinned" end' <<<"$first")
    echo
    jq -r '"### Relay results (\(.seconds) s window after \(.warmup) s warm-up; \(.frame_ms) ms "
        + "frames of \(.payload) B + SFrame header; " + $p + ")"' --arg p "$placement" <<<"$first"
    echo
    echo "| N | relay | frames/s in | frames/s out | p50 ms | p99 ms | max ms | loss | CPU % |" \
        "RSS MB | KiB/participant | CPU µs/frame out | load-gen CPU % | load-gen late sends |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    jq -r '
      def r(d): (. * pow(10; d) | round) / pow(10; d);
      [ .sessions, .relay, (.frames_sent_per_s | round), (.frames_recv_per_s | round),
        (.latency_us.p50 / 1000 | r(2)), (.latency_us.p99 / 1000 | r(2)),
        (.latency_us.max / 1000 | r(1)),
        (if .loss_ratio == 0 then "0" else (.loss_ratio * 100 | r(3) | tostring) + " %" end),
        (.server.cpu_pct | r(0)), (.server.rss_kb / 1024 | r(1)),
        ((.server.rss_kb - .server.rss_idle_kb) / .connections | r(1)),
        (if .frames_recv_per_s > 0 then .server.cpu_pct * 10000 / .frames_recv_per_s | r(1)
         else "-" end),
        (.load_cpu_pct | r(0)), .slips ]
      | "| " + (map(tostring) | join(" | ")) + " |"' "$1"
    echo
    echo "### Capacity: the largest N with p99 < 5 ms and no loss"
    echo
    jq -rs '
      def ok: .latency_us.p99 < 5000 and .loss_ratio == 0 and .sessions_ready == .sessions;
      def runs(r): [ .[] | select(.relay == r) ] | sort_by(.sessions);
      def cap(r): [ runs(r)[] | select(ok) | .sessions ] | max // 0;
      def failed(r): [ runs(r)[] | select(ok | not) | .sessions ] | min;
      def solid(r): (failed(r)) as $f | [ runs(r)[] | select($f == null or .sessions < $f)
                                          | .sessions ] | max // 0;
      def us(x): x.server.cpu_pct / x.frames_recv_per_s;
      def cpu_vs_bare(r): . as $all | [ runs(r)[] | select(ok) | . as $x
          | ($all | runs("bare")[] | select(ok and .sessions == $x.sessions)) as $b
          | us($x) / us($b) ] | if length > 0 then add / length else null end;
      . as $all
      | (reduce (.[] | .relay) as $r ([]; if index([$r]) then . else . + [$r] end)) as $rs
      | ($rs[] | . as $r
         | "- \($r): \($all | cap($r)) sessions (\(3 * ($all | cap($r))) participants)"
           + (if ($all | failed($r)) == null then "; no N tested failed"
              else "; every N passed up to \($all | solid($r)), \($all | failed($r)) failed"
              end)
           + (if $r == "bare" or ($all | cpu_vs_bare($r)) == null then ""
              else "; CPU per frame out \((($all | cpu_vs_bare($r)) - 1) * 100 | round
                    | if . >= 0 then "+\(.)" else "\(.)" end) % against bare (mean over the N"
                   + " both passed)" end)),
        (if ($rs | index(["tolkd"])) and ($rs | index(["bare"])) and ($all | cap("bare")) > 0
         then "- tolkd / bare: \(($all | cap("tolkd")) * 100 / ($all | cap("bare")) | round) %"
              + " (every-N-passed figures: \(($all | solid("tolkd")) * 100
                    / ([($all | solid("bare")), 1] | max) | round) %)"
         else empty end)' "$1"
    echo
    echo "### Wire bytes per participant (one frame per TLS record; sends 1 stream, receives 2)"
    echo
    "$build/bench/tolk-wire-bytes"
}


if [ "$build_it" = yes ]; then
    echo "== building $build (Release)" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTOLK_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target tolkd bench-bare-relay tolk-load \
        tolk-wire-bytes >/dev/null
fi
if [ -n "$report_only" ]; then
    report "$report_only"
    exit 0
fi
"$root/tools/dev-cert.sh" "$tmp/tls" >/dev/null
results=${out:-$tmp/results.jsonl}
relay_cpu=(env)
load_cpu=(env)
if [ "$pin" = yes ]; then
    relay_cpu=(taskset -c 0)
    load_cpu=(taskset -c 1)
fi
# shellcheck disable=SC2206 # the wrapper is a command line, split on purpose
[ -n "$wrap" ] && relay_cpu+=($wrap)
[ -n "$perf_dir" ] && mkdir -p "$perf_dir"
: >"$results"

# wait_line FILE REGEX SECONDS: prints the first matching line, or fails.
wait_line() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        if grep -m1 -E "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

stop() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

start_bare() { # N DIR [relay options]: starts bench-bare-relay, prints nothing
    local dir=$2
    shift 2
    "${relay_cpu[@]}" "$build/bench/bench-bare-relay" --listen 127.0.0.1:0 \
        --cert "$tmp/tls/cert.pem" --key "$tmp/tls/key.pem" "$@" >"$dir/out" 2>"$dir/err" &
    pids+=($!)
    server_pid=$!
}

start_tolkd() { # N DIR MAX_CONNECTIONS
    local n=$1 dir=$2 max=$3
    cat >"$dir/tolkd.conf" <<EOF
[server]
listen = 127.0.0.1:0
event_loop = libev
[tls]
certificate = $tmp/tls/cert.pem
private_key = $tmp/tls/key.pem
[store]
database = $dir/data/tolk.db
data_key_file = $dir/data/data.key
[log]
level = warn
[limits]
max_connections = $max
EOF
    "${relay_cpu[@]}" "$build/broker/tolkd" --config "$dir/tolkd.conf" \
        --demo-session "$dir/demo.json" --demo-count "$n" >"$dir/out" 2>"$dir/err" &
    pids+=($!)
    server_pid=$!
}

run_one() { # RELAY N
    local relay=$1 n=$2 dir="$tmp/$1-$2" mode=bare port line
    mkdir -p "$dir"
    case $relay in
    bare) start_bare "$n" "$dir" ;;
    bare-coalesce) start_bare "$n" "$dir" --coalesce ;;
    tolkd) start_tolkd "$n" "$dir" $((3 * n + 64)) && mode=tolkd ;;
    tolkd-indexed)
        local nofile
        nofile=$(ulimit -n)
        start_tolkd "$n" "$dir" $((nofile - 64 > 3 * n + 64 ? nofile - 64 : 3 * n + 64))
        mode=tolkd
        ;;
    *) echo "run.sh: unknown relay $relay" >&2 && return 1 ;;
    esac
    if ! line=$(wait_line "$dir/out" '^listening on 127\.0\.0\.1:[0-9]+$' 30) ||
        { [ "$mode" = tolkd ] && ! wait_line "$dir/out" '^demo session:' 30 >/dev/null; }; then
        echo "run.sh: $relay did not start:" >&2
        cat "$dir/err" >&2
        stop "$server_pid"
        return 1
    fi
    port=${line##*:}
    local args=(--url "wss://127.0.0.1:$port/ws" --ca "$tmp/tls/ca.pem" --sessions "$n"
        --seconds "$seconds" --warmup "$warmup" --frame-ms "$frame_ms" --payload "$payload"
        --mode "$mode" --server-pid "$server_pid")
    [ "$mode" = tolkd ] && args+=(--tokens "$dir/demo.json")
    echo "== $relay, $n sessions ($((3 * n)) connections)" >&2
    local perf_pid=""
    if [ -n "$perf_dir" ]; then # the measured window only
        (wait_line "$dir/load.err" 'sessions joined' 120 && sleep "$warmup" &&
            exec perf record -q -e cpu-clock -g -p "$server_pid" -o "$perf_dir/$relay-$n.data" \
                -- sleep "$seconds") >/dev/null 2>&1 &
        perf_pid=$!
        pids+=("$perf_pid")
    fi
    timeout $((seconds + warmup + 90)) "${load_cpu[@]}" "$build/bench/tolk-load" "${args[@]}" \
        >"$dir/result" 2>"$dir/load.err" || true
    if [ -n "$perf_pid" ]; then
        [ -s "$dir/result" ] || kill "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" || true
    fi
    stop "$server_pid"
    if [ -s "$dir/result" ]; then
        jq -c --arg relay "$relay" --argjson warmup "$warmup" --arg pinned "$pin" \
            '. + {relay: $relay, warmup: $warmup, pinned: ($pinned == "yes")}' "$dir/result" \
            >>"$results"
    else
        echo "run.sh: no result for $relay at N=$n:" >&2
        cat "$dir/load.err" >&2
    fi
}

for n in $sessions; do
    for relay in $relays; do
        run_one "$relay" "$n" || true
    done
done

report "$results"
