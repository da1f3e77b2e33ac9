# Shared by the chaos scripts in deploy/chaos/ (sourced, not run). Each script sets FAULT (a
# name of the jepsen-lite runner's fault vocabulary, checked by test/deploy-chaos.test.ts) and
# defines pick_targets, inject and heal; chaos_run does the rest:
#
#   1. find the leader of broker-a through the CLI (`ledgermq raftStatus --json`, run in the
#      namesrv container, which reaches every node on the compose network);
#   2. start the send-gap client (deploy/chaos/send-gap.ts, official client, one send at a time)
#      against a node the fault does not touch;
#   3. after WARMUP_SECONDS inject the fault, heal it after FAULT_SECONDS, keep sending
#      AFTER_SECONDS more;
#   4. print when the fault started and healed and the longest gap between acknowledged sends.
#
# Needs docker with the compose plugin, the group up (docker compose -f deploy/docker-compose.yml
# up -d --build: the image carries deploy/chaos/), GNU date. Every loop here is bounded.

set -euo pipefail

CHAOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CHAOS_DIR/../.." && pwd)"
COMPOSE_FILE="${COMPOSE_FILE:-$REPO_ROOT/deploy/docker-compose.yml}"
BROKER_NAME="${BROKER_NAME:-broker-a}"
NODES=(n0 n1 n2)
WARMUP_SECONDS="${WARMUP_SECONDS:-5}"
FAULT_SECONDS="${FAULT_SECONDS:-10}"
AFTER_SECONDS="${AFTER_SECONDS:-15}"
RATE="${RATE:-50}"
TARGETS=()

compose() { docker compose -f "$COMPOSE_FILE" "$@"; }
now_ms() { date +%s%3N; }
service_of() { echo "broker-$1"; }
# v2 port of node n<i> in the compose group: 8081 + i
v2_port_of() { echo $((8081 + ${1#n})); }
# The compose network and a node's container, for network disconnect / connect.
# (the compose file names its project `ledgermq`: its default network is ledgermq_default)
network_name() { echo "${COMPOSE_NETWORK:-ledgermq_default}"; }
container_of() { compose ps -q "$(service_of "$1")"; }

cli() { compose exec -T namesrv node --import tsx packages/cli/src/main.ts "$@"; }

chaos_require_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    echo "chaos: docker is not installed here; these scripts drive the compose group of deploy/docker-compose.yml" >&2
    exit 3
  fi
  if ! docker compose version >/dev/null 2>&1; then
    echo "chaos: the docker compose plugin is missing (docker compose version fails)" >&2
    exit 3
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "chaos: no docker daemon answers (docker info fails)" >&2
    exit 3
  fi
}

# The selfId (n0..n2) of the current leader, empty when none answers.
chaos_leader() {
  cli raftStatus -n namesrv:9876 -b "$BROKER_NAME" --json 2>/dev/null \
    | compose exec -T namesrv node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{try{const r=JSON.parse(s).find((x)=>x.role==="leader");process.stdout.write(r?r.nodeId:"")}catch{}})' \
    || true
}

# Waits (bounded) for a leader; prints it.
chaos_wait_leader() {
  local leader=""
  for _ in $(seq 1 30); do
    leader="$(chaos_leader)"
    if [ -n "$leader" ]; then echo "$leader"; return 0; fi
    sleep 1
  done
  echo "chaos: no leader of $BROKER_NAME within 30 s" >&2
  return 1
}

chaos_random_node() { echo "${NODES[$((RANDOM % ${#NODES[@]}))]}"; }

# A node no target of the fault: the send-gap client talks to it (n0 when every node is a target).
chaos_client_node() {
  local n t hit
  for n in "${NODES[@]}"; do
    hit=0
    for t in "${TARGETS[@]}"; do [ "$n" = "$t" ] && hit=1; done
    if [ "$hit" = 0 ]; then echo "$n"; return 0; fi
  done
  echo "${NODES[0]}"
}

json_field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }

chaos_run() {
  chaos_require_docker
  echo "chaos: fault $FAULT on $BROKER_NAME (warm-up ${WARMUP_SECONDS} s, fault ${FAULT_SECONDS} s, after ${AFTER_SECONDS} s, ${RATE} sends/s)"
  local leader
  leader="$(chaos_wait_leader)"
  pick_targets "$leader"
  local client out seconds gap_pid
  client="$(chaos_client_node)"
  out="$(mktemp)"
  seconds=$((WARMUP_SECONDS + FAULT_SECONDS + AFTER_SECONDS))
  echo "chaos: leader $leader; targets ${TARGETS[*]}; send-gap client on $(service_of "$client"):$(v2_port_of "$client") for ${seconds} s"
  compose exec -T namesrv node --import tsx deploy/chaos/send-gap.ts --endpoint "$(service_of "$client"):$(v2_port_of "$client")" --seconds "$seconds" --rate "$RATE" >"$out" &
  gap_pid=$!
  sleep "$WARMUP_SECONDS"
  local fault_at healed_at
  fault_at="$(now_ms)"
  inject
  sleep "$FAULT_SECONDS"
  heal
  healed_at="$(now_ms)"
  wait "$gap_pid" || true
  local summary
  summary="$(tail -n 1 "$out")"
  rm -f "$out"
  echo "chaos: $FAULT injected at $fault_at ms, healed at $healed_at ms (epoch)"
  echo "chaos: send-gap client: $summary"
  if [ -z "$summary" ]; then
    echo "chaos: the send-gap client printed nothing" >&2
    return 1
  fi
  local gap from
  gap="$(echo "$summary" | json_field maxGapMs)"
  from="$(echo "$summary" | json_field maxGapFromMs)"
  echo "chaos: $FAULT: longest send gap ${gap} ms, starting $((from - fault_at)) ms after the fault; the new leader is $(chaos_wait_leader)"
}
