#!/usr/bin/env bash
# Scheduling benchmark: bookings with conflict checks and interpreter suggestions, measured in
# process (tolk-sched) and over HTTPS against a real tolkd on an identical store.
#
#   bench/run-sched.sh [--suggestions 2000] [--bookings 2000] [--seed 1] [--out FILE]
#                      [--pin yes|no] [--nice N] [--build-dir DIR] [--no-build]
#                      [-- TOLK-SCHED OPTIONS]
#
# Builds a Release tree in build-bench (--build-dir DIR: there; --no-build: use it as it is),
# then:
#   1. tolk-sched fills a new store (10,000 appointments, 200 interpreters, 500 clinicians,
#      2,500 clients by default; options after -- go to tolk-sched, e.g. -- --appointments
#      20000) and measures suggestion queries and booking attempts in process;
#   2. tolk-sched --plan fills a second store with the same seed, so with the same records and
#      ids, and writes the same work to a plan file;
#   3. tolkd starts on 127.0.0.1 (ephemeral port, a development certificate, log level warn)
#      on that store, and bench/sched-http.py replays the plan over one keep-alive HTTPS
#      connection, sampling tolkd's CPU time;
# and prints both results side by side. --pin yes (the default with 2 or more CPUs) runs
# tolk-sched and tolkd on CPU 0 and the HTTPS client on CPU 1. --nice N (e.g. -10, as root)
# runs everything in a session of its own whose scheduler autogroup has niceness N, so that
# other work on a shared machine disturbs it less (with autogroups, a plain `nice` only ranks
# processes within one session). Every process it starts is stopped on exit; the raw JSON
# lines are kept in --out (default: the temp dir, removed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
build_it=yes
suggestions=2000
bookings=2000
seed=1
out=""
niceness=""
all_args=("$@")
pin=$([ "$(nproc)" -ge 2 ] && echo yes || echo no)
while [ $# -gt 0 ]; do
    case $1 in
    --suggestions) suggestions=$2 ;;
    --bookings) bookings=$2 ;;
    --seed) seed=$2 ;;
    --out) out=$2 ;;
    --pin) pin=$2 ;;
    --nice) niceness=$2 ;;
    --build-dir) build=$2 ;;
    --no-build) build_it=no && set -- "$1" "$@" ;;
    --) shift && break ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "run-sched.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift 2
done
sched_args=(--suggestions "$suggestions" --bookings "$bookings" --seed "$seed" "$@")
if [ -n "$niceness" ] && [ -z "${RUN_SCHED_SESSION:-}" ]; then
    RUN_SCHED_SESSION=1 exec setsid --wait "$0" "${all_args[@]}"
fi
if [ -n "$niceness" ]; then
    echo "$niceness" >/proc/self/autogroup || echo "run-sched.sh: autogroup niceness not set" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tolk-run-sched-XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
server_cpu=(env)
client_cpu=(env)
if [ "$pin" = yes ]; then
    server_cpu=(taskset -c 0)
    client_cpu=(taskset -c 1)
fi

if [ "$build_it" = yes ]; then
    echo "== building $build (Release)" >&2
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTOLK_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target tolkd tolk-sched >/dev/null
fi
results=${out:-$tmp/results.jsonl}
: >"$results"

echo "== in process: tolk-sched ${sched_args[*]}" >&2
"${server_cpu[@]}" "$build/bench/tolk-sched" "${sched_args[@]}" >"$tmp/inproc.json"
jq -c '{run: "in-process"} + .' "$tmp/inproc.json" >>"$results"

echo "== over HTTPS: the same store and plan, tolkd on 127.0.0.1" >&2
mkdir -p "$tmp/http"
"$build/bench/tolk-sched" "${sched_args[@]}" --dir "$tmp/http" --plan "$tmp/http/plan.json"
"$root/tools/dev-cert.sh" "$tmp/tls" >/dev/null
cat >"$tmp/tolkd.conf" <<EOF
[server]
listen = 127.0.0.1:0
event_loop = libev
[tls]
certificate = $tmp/tls/cert.pem
private_key = $tmp/tls/key.pem
[store]
database = $tmp/http/tolk.db
data_key_file = $tmp/http/data.key
[log]
level = warn
EOF
"${server_cpu[@]}" "$build/broker/tolkd" --config "$tmp/tolkd.conf" >"$tmp/tolkd.out" \
    2>"$tmp/tolkd.err" &
pids+=($!)
server_pid=$!
port=""
for _ in $(seq 300); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/tolkd.out")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "run-sched.sh: tolkd did not start:" >&2
    cat "$tmp/tolkd.err" >&2
    exit 1
fi
timeout 1800 "${client_cpu[@]}" python3 "$root/bench/sched-http.py" --port "$port" \
    --ca "$tmp/tls/ca.pem" --plan "$tmp/http/plan.json" --server-pid "$server_pid" \
    >"$tmp/http.json"
kill -TERM "$server_pid"
wait "$server_pid" || true
jq -c '{run: "https"} + .' "$tmp/http.json" >>"$results"

# The two runs side by side.
echo "pin $pin, nice ${niceness:-0}, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
jq -rs '
  def f(x): if x == null then "–" elif x >= 100 then (x | round | tostring)
            elif x >= 1 then ((x * 100 | round) / 100 | tostring)
            else ((x * 1000 | round) / 1000 | tostring) end;
  def lat(l): "\(f(l.p50_ms)) / \(f(l.p99_ms)) / \(f(l.max_ms))";
  (.[0]) as $in | (.[1]) as $web |
  "Store: \($in.store.appointments) appointments, \($in.store.interpreters) interpreters, " +
  "\($in.store.clinicians) clinicians, \($in.store.clients) clients over \($in.store.weeks) " +
  "weeks (seed \($in.store.seed))\n",
  "| | in process | over HTTPS (tolkd) |",
  "|---|---|---|",
  "| suggestion queries/s | \(f($in.suggest.per_s)) | \(f($web.suggest.per_s)) |",
  "| suggestion latency p50 / p99 / max ms (\($in.suggest.latency.count) queries) | " +
    "\(lat($in.suggest.latency)) | \(lat($web.suggest.latency)) |",
  "| … its CPU time p50 / p99 / max ms (tolk-sched) | \(lat($in.suggest.cpu_latency)) | – |",
  "| suggested / rejected per query (mean) | \(f($in.suggest.mean_proposed)) / " +
    "\(f($in.suggest.mean_rejected)) | \(f($web.suggest.mean_proposed)) / " +
    "\(f($web.suggest.mean_rejected)) |",
  "| CPU ms per suggestion query (tolk-sched; tolkd) | \(f($in.suggest.cpu_ms_per_request)) | " +
    "\(f($web.suggest.cpu_ms_per_request)) |",
  "| HTTPS client CPU ms per suggestion query (sched-http.py) | – | " +
    "\(f($web.suggest.client_cpu_ms_per_request)) |",
  "| booking attempts/s | \(f($in.book.per_s)) | \(f($web.book.per_s)) |",
  "| booking latency p50 / p99 / max ms, all \($in.book.attempts) | \(lat($in.book.all)) | " +
    "\(lat($web.book.all)) |",
  "| … its CPU time p50 / p99 / max ms (tolk-sched) | \(lat($in.book.cpu_latency)) | – |",
  "| … accepted (\($in.book.accepted.count) / \($web.book.accepted.count)) | " +
    "\(lat($in.book.accepted)) | \(lat($web.book.accepted)) |",
  "| … refused as conflicts (\($in.book.refused.count) / \($web.book.refused.count)) | " +
    "\(lat($in.book.refused)) | \(lat($web.book.refused)) |",
  "| CPU ms per booking attempt (tolk-sched; tolkd) | \(f($in.book.cpu_ms_per_request)) | " +
    "\(f($web.book.cpu_ms_per_request)) |",
  "| HTTPS client CPU ms per booking attempt (sched-http.py) | – | " +
    "\(f($web.book.client_cpu_ms_per_request)) |",
  "",
  "Refused in process: \($in.book.refused_clinician) by the clinician, " +
  "\($in.book.refused_interpreter) by the interpreter; clashes accepted: " +
  "\($in.book.clashes_accepted), free sessions refused: \($in.book.free_refused)."
' "$results"
