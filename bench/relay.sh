#!/usr/bin/env bash
# Relay benchmark: in one run, the same load straight from Postfix's
# smtp-source into smtp-sink (the baseline), then through mailward into
# smtp-sink, for 5 KB, 50 KB and 1 MB messages at 20 concurrent sessions.
# Prints messages per second for each, the ratio, and mailward's peak memory.
#
#   bench/relay.sh            # needs postfix (smtp-source, smtp-sink)
#   SESSIONS=20 bench/relay.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-20}
SINK_PORT=${SINK_PORT:-39025}
MW_PORT=${MW_PORT:-39026}
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

command -v smtp-source >/dev/null || { echo "smtp-source not found: apt-get install postfix" >&2; exit 1; }
go build -o "$work/mailward" ./cmd/mailward

user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)
smtp-sink "${user[@]}" 127.0.0.1:$SINK_PORT 256 &
cat > "$work/mailward.yaml" <<YAML
domains: [trust.example]
trusted_networks: [127.0.0.1/32]
listen: 127.0.0.1:$MW_PORT
max_message_bytes: 26214400
next_hop:
  inbound: smtp://127.0.0.1:$SINK_PORT
  outbound: smtp://127.0.0.1:$SINK_PORT
quarantine:
  dir: $work/quarantine
review:
  listen: 127.0.0.1:0
metrics:
  listen: 127.0.0.1:0
log:
  level: warn
tracker:                        # one sender sends all the load: lift its limits
  sender_messages_per_hour: 100000000
  sender_recipients_per_hour: 100000000
YAML
"$work/mailward" serve -config "$work/mailward.yaml" >/dev/null 2>"$work/mailward.log" &
mw=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$MW_PORT) 2>/dev/null && break; sleep 0.1; done

# rate PORT SIZE COUNT prints messages per second.
rate() {
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$SESSIONS" -m "$3" -l "$2" -f head@trust.example -t parent@home.example "127.0.0.1:$1"
  end=$(date +%s.%N)
  echo "$3 / ($end - $start)" | bc -l
}

# Direct and through-mailward runs alternate, ROUNDS times each, so that
# load from anything else on the machine falls on both alike; the rates
# printed are the means.
ROUNDS=${ROUNDS:-3}
printf '%-8s %12s %12s %8s\n' size direct/s mailward/s ratio
for spec in 5120:4000 51200:3000 1048576:200; do
  size=${spec%%:*} count=${spec##*:}
  rate $SINK_PORT "$size" 200 >/dev/null   # warm up
  rate $MW_PORT "$size" 200 >/dev/null
  d=0 m=0
  for _ in $(seq "$ROUNDS"); do
    d=$(echo "$d + $(rate $SINK_PORT "$size" "$count")" | bc -l)
    m=$(echo "$m + $(rate $MW_PORT "$size" "$count")" | bc -l)
  done
  d=$(echo "$d / $ROUNDS" | bc -l) m=$(echo "$m / $ROUNDS" | bc -l)
  printf '%-8s %12.0f %12.0f %7.1f%%\n' "$((size / 1024))K" "$d" "$m" "$(echo "100 * $m / $d" | bc -l)"
done
echo "mailward peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$mw/status)"
