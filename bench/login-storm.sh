#!/usr/bin/env bash
# Relay latency while staff log in: tolkd relays N three-party sessions (tolk-load) and, a
# third of the way into the measured window, 20 logins arrive (4 clients at once, 5 logins
# each, one after the other: bench/logins.py). Each tolkd build is measured twice, without and
# with the logins, in the same conditions, so that the difference is what the logins cost the
# audio. docs/BENCHMARKS.md, "Logins during calls".
#
#   bench/login-storm.sh --build NAME=DIR [--build NAME=DIR ...] [--load FILE]
#                        [--sessions 100] [--seconds 10] [--warmup 2] [--clients 4]
#                        [--per-client 5] [--repeat 1] [--pin yes|no] [--nice N]
#
# DIR is a build tree with broker/tolkd and broker/tolkctl (the tolkctl of the same version
# makes the store, so that its schema is the one that tolkd expects); --load is tolk-load
# (default: the first DIR's bench/tolk-load). --pin yes runs tolkd (all its threads) on CPU 0
# and the load generator and the logins on CPU 1, as bench/run.sh does; no (the default) lets
# the kernel place them. --nice N (e.g. -10, as root) runs the whole measurement in a session
# of its own whose scheduler autogroup has niceness N, so that other work on a shared machine
# disturbs it less (with autogroups, a plain `nice` only ranks processes within one session);
# inside it, tolkd's hashing threads still set their own nice 10. Prints one table row per
# build, case and repetition: frame latency p50/p99/max, loss, and the logins' own latency.
# Only 127.0.0.x is used; every process it starts is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
all_args=("$@")
builds=()
load=""
sessions=100
seconds=10
warmup=2
clients=4
per_client=5
repeat=1
pin=no
niceness=""
while [ $# -gt 0 ]; do
    case $1 in
    --build) builds+=("$2") ;;
    --load) load=$2 ;;
    --sessions) sessions=$2 ;;
    --seconds) seconds=$2 ;;
    --warmup) warmup=$2 ;;
    --clients) clients=$2 ;;
    --per-client) per_client=$2 ;;
    --repeat) repeat=$2 ;;
    --pin) pin=$2 ;;
    --nice) niceness=$2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "login-storm.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift 2
done
[ ${#builds[@]} -gt 0 ] || { echo "login-storm.sh: give at least one --build NAME=DIR" >&2 && exit 2; }
[ -n "$load" ] || load=${builds[0]#*=}/bench/tolk-load
if [ -n "$niceness" ] && [ -z "${LOGIN_STORM_SESSION:-}" ]; then
    LOGIN_STORM_SESSION=1 exec setsid --wait "$0" "${all_args[@]}"
fi
if [ -n "$niceness" ]; then
    echo "$niceness" >/proc/self/autogroup || echo "login-storm.sh: autogroup niceness not set" >&2
fi

tmp=$(mktemp -d /tmp/tolk-logins.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/tools/dev-cert.sh" "$tmp/tls" >/dev/null
relay_cpu=(env)
load_cpu=(env)
if [ "$pin" = yes ]; then
    relay_cpu=(taskset -c 0)
    load_cpu=(taskset -c 1)
fi
password="a benchmark password, long enough"

wait_line() { # FILE REGEX SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -m1 -E "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

run_one() { # NAME DIR CASE(quiet|logins) REP
    local name=$1 dir=$2 what=$3 rep=$4 w="$tmp/$1-$3-$4" line port server logins="-"
    mkdir -p "$w/data"
    printf '%s\n' "$password" >"$w/password"
    "$dir/broker/tolkctl" --db "$w/data/tolk.db" --data-key "$w/data/data.key" bootstrap \
        --username bench.admin <"$w/password" >/dev/null
    cat >"$w/tolkd.conf" <<EOF
[server]
listen = 127.0.0.1:0
event_loop = libev
[tls]
certificate = $tmp/tls/cert.pem
private_key = $tmp/tls/key.pem
[store]
database = $w/data/tolk.db
data_key_file = $w/data/data.key
[log]
level = warn
[limits]
max_connections = $((3 * sessions + 64))
EOF
    "${relay_cpu[@]}" "$dir/broker/tolkd" --config "$w/tolkd.conf" --demo-session "$w/demo.json" \
        --demo-count "$sessions" >"$w/out" 2>"$w/err" &
    server=$!
    pids+=("$server")
    if ! line=$(wait_line "$w/out" '^listening on 127\.0\.0\.1:[0-9]+$' 30) ||
        ! wait_line "$w/out" '^demo session:' 30 >/dev/null; then
        echo "login-storm.sh: $name did not start:" >&2
        cat "$w/err" >&2
        return 1
    fi
    port=${line##*:}
    "${load_cpu[@]}" "$load" --url "wss://127.0.0.1:$port/ws" --ca "$tmp/tls/ca.pem" \
        --sessions "$sessions" --seconds "$seconds" --warmup "$warmup" --mode tolkd \
        --tokens "$w/demo.json" --server-pid "$server" >"$w/result" 2>"$w/load.err" &
    local loadpid=$!
    pids+=("$loadpid")
    if [ "$what" = logins ]; then
        wait_line "$w/load.err" 'sessions joined' 90 >/dev/null
        sleep "$(echo "$warmup + $seconds / 3" | bc -l)"
        "${load_cpu[@]}" python3 "$root/bench/logins.py" --port "$port" --ca "$tmp/tls/ca.pem" \
            --username bench.admin --password-file "$w/password" --clients "$clients" \
            --per-client "$per_client" >"$w/logins"
        logins=$(jq -r '"\(.statuses | tostring) in \(.wall_ms) ms, p50 \(.p50_ms) ms, max \(.max_ms) ms"' "$w/logins")
    fi
    wait "$loadpid" || true
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    if [ ! -s "$w/result" ]; then
        echo "login-storm.sh: no result for $name/$what:" >&2
        cat "$w/load.err" >&2
        return 1
    fi
    jq -r --arg name "$name" --arg what "$what" --arg rep "$rep" --arg logins "$logins" '
      def ms(x): (x / 10 | round) / 100;
      "| \($name) | \($what) | \($rep) | \(ms(.latency_us.p50)) | \(ms(.latency_us.p99)) | "
      + "\(ms(.latency_us.max)) | \(.loss_ratio) | \(.server.cpu_pct | round) | \($logins) |"' \
        "$w/result"
}

echo "sessions $sessions, window $seconds s after $warmup s warm-up, pin $pin, nice ${niceness:-0};" \
    "logins: $clients clients x $per_client"
echo
echo "| build | case | run | frame p50 ms | frame p99 ms | frame max ms | loss | tolkd CPU % | logins |"
echo "|---|---|---|---|---|---|---|---|---|"
for ((rep = 1; rep <= repeat; rep++)); do
    for b in "${builds[@]}"; do
        for what in quiet logins; do
            run_one "${b%%=*}" "${b#*=}" "$what" "$rep" || true
        done
    done
done
