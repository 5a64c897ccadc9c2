#!/usr/bin/env bash
# Relay latency and memory while 200 receivers have stopped reading: tolkd relays N three-party
# sessions (tolk-load) and, in the "stalled" case, also S more sessions set up by
# tests/integration/stall.py: in each, the clinician sends a frame of --stall-payload bytes every
# 20 ms and the four other participants (4 KiB receive buffers) never read (4 S receivers; 200 by
# default). Each build is measured without ("quiet") and with them, in the same conditions.
# docs/SECURITY.md, "Fault tests"; the fault test (test_faults.py) asserts a generous bound on the
# same things, this reports the figures.
#
#   bench/stalled.sh --build NAME=DIR [--build NAME=DIR ...] [--load FILE]
#                    [--sessions 100] [--stalled-sessions 50] [--stall-payload 1000]
#                    [--seconds 10] [--warmup 3] [--repeat 1] [--pin yes|no] [--nice N]
#
# DIR is a build tree with broker/tolkd; --load is tolk-load (default: the first DIR's
# bench/tolk-load). --pin yes runs tolkd on CPU 0 and the load generator and stall.py on CPU 1;
# --nice N runs the measurement in a scheduler autogroup of niceness N (as bench/login-storm.sh).
# Per build, case and repetition one table row: frame latency p50/p99/max and loss of the live
# sessions, tolkd's CPU, its RSS before the load and at most during the window (sampled every
# 0.2 s), the bytes the kernel holds queued in tolkd's sockets at the end of the window
# (ss: sk_wmem_queued, summed), and tolkd's queue_full drops. Only 127.0.0.1 is used; every
# process it starts is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
all_args=("$@")
builds=()
load=""
sessions=100
stalled=50
payload=1000
seconds=10
warmup=3
repeat=1
pin=no
niceness=""
while [ $# -gt 0 ]; do
    case $1 in
    --build) builds+=("$2") ;;
    --load) load=$2 ;;
    --sessions) sessions=$2 ;;
    --stalled-sessions) stalled=$2 ;;
    --stall-payload) payload=$2 ;;
    --seconds) seconds=$2 ;;
    --warmup) warmup=$2 ;;
    --repeat) repeat=$2 ;;
    --pin) pin=$2 ;;
    --nice) niceness=$2 ;;
    -h | --help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
    *)
        echo "stalled.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift 2
done
[ ${#builds[@]} -gt 0 ] || { echo "stalled.sh: give at least one --build NAME=DIR" >&2 && exit 2; }
[ -n "$load" ] || load=${builds[0]#*=}/bench/tolk-load
if [ -n "$niceness" ] && [ -z "${STALLED_SESSION:-}" ]; then
    STALLED_SESSION=1 exec setsid --wait "$0" "${all_args[@]}"
fi
if [ -n "$niceness" ]; then
    echo "$niceness" >/proc/self/autogroup || echo "stalled.sh: autogroup niceness not set" >&2
fi

tmp=$(mktemp -d /tmp/tolk-stalled.XXXXXX)
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

wait_line() { # FILE REGEX SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -m1 -E "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# The bytes queued in the kernel for every established socket of tolkd's port.
kernel_queued() {
    ss -tnmH state established "( sport = :$1 )" |
        grep -o 'w[0-9]*,' | tr -d 'w,' | awk '{ s += $1 } END { print s + 0 }'
}

run_one() { # NAME DIR CASE(quiet|stalled) REP
    local name=$1 dir=$2 what=$3 rep=$4 w="$tmp/$1-$3-$4" line port server idle peak=0 queued
    mkdir -p "$w/data"
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
max_connections = $((3 * sessions + 5 * stalled + 64))
EOF
    "${relay_cpu[@]}" "$dir/broker/tolkd" --config "$w/tolkd.conf" --demo-session "$w/demo.json" \
        --demo-count "$((sessions + stalled))" >"$w/out" 2>"$w/err" &
    server=$!
    pids+=("$server")
    if ! line=$(wait_line "$w/out" '^listening on 127\.0\.0\.1:[0-9]+$' 30) ||
        ! wait_line "$w/out" '^demo session:' 30 >/dev/null; then
        echo "stalled.sh: $name did not start:" >&2
        cat "$w/err" >&2
        return 1
    fi
    port=${line##*:}
    idle=$(rss_kb "$server")
    if [ "$what" = stalled ]; then
        mkfifo "$w/stall.in"
        (cd "$root/tests/integration" && exec "${load_cpu[@]}" python3 stall.py --port "$port" \
            --ca "$tmp/tls/ca.pem" --demo "$w/demo.json" --first "$sessions" \
            --sessions "$stalled" --payload "$payload" <"$w/stall.in" >"$w/stall.out" 2>&1) &
        pids+=($!)
        exec 9>"$w/stall.in"
        if ! wait_line "$w/stall.out" '^ready ' 120 >/dev/null; then
            echo "stalled.sh: stall.py did not get ready:" >&2
            cat "$w/stall.out" >&2
            return 1
        fi
    fi
    "${load_cpu[@]}" "$load" --url "wss://127.0.0.1:$port/ws" --ca "$tmp/tls/ca.pem" \
        --sessions "$sessions" --seconds "$seconds" --warmup "$warmup" --mode tolkd \
        --tokens "$w/demo.json" --server-pid "$server" >"$w/result" 2>"$w/load.err" &
    local loadpid=$!
    pids+=("$loadpid")
    while kill -0 "$loadpid" 2>/dev/null; do
        local now
        now=$(rss_kb "$server")
        [ "$now" -gt "$peak" ] && peak=$now
        grep -q 'sessions joined' "$w/load.err" 2>/dev/null && queued=$(kernel_queued "$port")
        sleep 0.2
    done
    wait "$loadpid" || true
    local drops
    drops=$(curl -s --cacert "$tmp/tls/ca.pem" "https://127.0.0.1:$port/metrics" |
        awk '/^tolk_dropped_queue_full_total / { print $2 }')
    if [ "$what" = stalled ]; then
        echo >&9
        exec 9>&-
    fi
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    if [ ! -s "$w/result" ]; then
        echo "stalled.sh: no result for $name/$what:" >&2
        cat "$w/load.err" >&2
        return 1
    fi
    jq -r --arg name "$name" --arg what "$what" --arg rep "$rep" --arg idle "$idle" \
        --arg peak "$peak" --arg queued "${queued:-0}" --arg drops "${drops:-0}" '
      def ms(x): (x / 10 | round) / 100;
      def mb(x): ((x | tonumber) / 1024 * 10 | round) / 10;
      "| \($name) | \($what) | \($rep) | \(ms(.latency_us.p50)) | \(ms(.latency_us.p99)) | "
      + "\(ms(.latency_us.max)) | \(.loss_ratio) | \(.server.cpu_pct | round) | \(mb($idle)) | "
      + "\(mb($peak)) | \(mb(($queued | tonumber) / 1024)) | \($drops) |"' "$w/result"
}

echo "live sessions $sessions, stalled sessions $stalled ($((4 * stalled)) receivers, frames of" \
    "$payload B every 20 ms), window $seconds s after $warmup s warm-up, pin $pin," \
    "nice ${niceness:-0}"
echo
echo "| build | case | run | frame p50 ms | frame p99 ms | frame max ms | loss | tolkd CPU % |" \
    "RSS idle MB | RSS peak MB | kernel send queues MB | queue_full drops |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for ((rep = 1; rep <= repeat; rep++)); do
    for b in "${builds[@]}"; do
        for what in quiet stalled; do
            run_one "${b%%=*}" "${b#*=}" "$what" "$rep" || true
        done
    done
done
