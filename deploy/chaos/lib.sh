# Shared by the chaos scripts in deploy/chaos/ (sourced, not run). Each script sets FAULT (a
# name of the jepsen-lite runner's fault vocabulary, checked by test/deploy-chaos.test.ts) and
# defines pick_targets, inject and heal; chaos_run does the rest:
#
#   1. find the leader of broker-a: `ledgermq raftStatus --json`, run in the namesrv container
#      (the CLI reaches every node's admin endpoint, as registered with the NameServer);
#   2. start the send-gap client (deploy/chaos/send-gap.ts, official client, one send at a time)
#      in the namesrv container against a node the fault does not touch, and wait until it sends;
#   3. after WARMUP_SECONDS inject the fault, heal it after FAULT_SECONDS, keep sending
#      AFTER_SECONDS more;
#   4. print when the fault started and healed and the longest gap between acknowledged sends.
#
# Needs docker, compose (the `docker compose` plugin, or docker-compose 1.x when the plugin is
# missing), the group up under the project name ledgermq (COMPOSE_PROJECT_NAME):
#   docker compose -p ledgermq -f deploy/docker-compose.yml up -d --build
# (the image carries deploy/chaos/: rebuild it after changing these files), GNU date. Every loop
# here is bounded.

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
LEADER_WAIT_SECONDS="${LEADER_WAIT_SECONDS:-60}"
COMPOSE_PROJECT="${COMPOSE_PROJECT_NAME:-ledgermq}"
TARGETS=()
COMPOSE_CMD=(docker compose)

compose() { "${COMPOSE_CMD[@]}" -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" "$@"; }
now_ms() { date +%s%3N; }
service_of() { echo "broker-$1"; }
# v2 port of node n<i> in the compose group: 8081 + i; admin port 40811 + i
v2_port_of() { echo $((8081 + ${1#n})); }
admin_port_of() { echo $((40811 + ${1#n})); }
# The compose network and a node's container, for network disconnect / connect.
# (the project's default network: <project>_default, ledgermq_default with -p ledgermq)
network_name() { echo "${COMPOSE_NETWORK:-${COMPOSE_PROJECT}_default}"; }
# Resolved once before the fault (chaos_run), so that inject and heal are one plain, fast docker
# call on the node's container (what `docker compose kill/start/pause` does, without compose's
# start-up time of a second or more inside the measured window).
declare -A CONTAINER=()
container_of() {
  if [ -n "${CONTAINER[$1]:-}" ]; then echo "${CONTAINER[$1]}"; else compose ps -q "$(service_of "$1")"; fi
}
chaos_resolve_containers() {
  local n id
  for n in "${NODES[@]}"; do
    id="$(compose ps -q "$(service_of "$n")")"
    if [ -z "$id" ]; then echo "chaos: no container for $(service_of "$n") in compose project $COMPOSE_PROJECT" >&2; return 1; fi
    CONTAINER[$n]="$id"
  done
}
# The containers of the given nodes (for one docker call on all of them).
containers_of() { local n; for n in "$@"; do container_of "$n"; done; }

# The image's CLI (`ledgermq` on its PATH), run in the namesrv container (on the compose network).
cli() { compose exec -T namesrv ledgermq "$@"; }

chaos_require_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    echo "chaos: docker is not installed here; these scripts drive the compose group of deploy/docker-compose.yml" >&2
    exit 3
  fi
  if ! docker compose version >/dev/null 2>&1; then
    if command -v docker-compose >/dev/null 2>&1 && docker-compose version >/dev/null 2>&1; then
      echo "chaos: the docker compose plugin is missing (docker compose version fails); using $(docker-compose version --short 2>/dev/null | head -n 1 | sed 's/^/docker-compose /')" >&2
      COMPOSE_CMD=(docker-compose)
    else
      echo "chaos: the docker compose plugin is missing (docker compose version fails), and there is no docker-compose either" >&2
      exit 3
    fi
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "chaos: no docker daemon answers (docker info fails)" >&2
    exit 3
  fi
  if [ -z "$(compose ps -q namesrv 2>/dev/null)" ]; then
    echo "chaos: no namesrv container in compose project $COMPOSE_PROJECT; bring the group up first: docker compose -p $COMPOSE_PROJECT -f $COMPOSE_FILE up -d" >&2
    exit 3
  fi
}

# The selfId of the node that says it leads, with the highest term, in `ledgermq raftStatus
# --json` (an array of rows, one key a line: "nodeId", "role", "term", …); nothing when none does.
leader_in_status() {
  awk '/^ *"nodeId": / { gsub(/[",]/, "", $2); id = $2 }
       /^ *"role": / { gsub(/[",]/, "", $2); role = $2 }
       /^ *"term": / { gsub(/[",]/, "", $2); term = $2 + 0 }
       /^ *},?$/ { if (role == "leader" && (best == "" || term > bestTerm)) { best = id; bestTerm = term }; id = ""; role = ""; term = 0 }
       END { if (best != "") print best }'
}

# The same rows in one line, for a message: "n0 follower term 3; n1 (unreachable …); …".
rows_in_status() {
  awk '/^ *"nodeId": / { gsub(/[",]/, "", $2); id = $2 }
       /^ *"role": / { gsub(/[",]/, "", $2); role = $2 }
       /^ *"term": / { gsub(/[",]/, "", $2); term = $2 }
       /^ *"error": "./ { sub(/^ *"error": "/, ""); sub(/",?$/, ""); err = $0 }
       /^ *},?$/ { line = line (line == "" ? "" : "; ") id " " (err != "" ? "(" err ")" : role " term " term); id = ""; role = ""; term = ""; err = "" }
       END { print line }'
}

# The selfId (n0..n2) of the current leader of BROKER_NAME, as `ledgermq raftStatus` reports the
# nodes' own answers (the one that leads with the highest term), asking every second or so until
# one leads or $1 seconds pass (bounded); empty, and the last answer on stderr, when none does.
chaos_leader() {
  local wait_s="${1:-0}" deadline status leader errf
  deadline=$(( $(date +%s) + wait_s ))
  errf="$(mktemp)"
  for _ in $(seq 0 "$wait_s"); do
    status="$(cli raftStatus -n namesrv:9876 -b "$BROKER_NAME" --json 2>"$errf" || true)"
    leader="$(printf '%s\n' "$status" | leader_in_status)"
    if [ -n "$leader" ]; then rm -f "$errf"; echo "$leader"; return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then break; fi
    sleep 1
  done
  echo "chaos: raftStatus -b $BROKER_NAME shows no leader within $wait_s s: $(tr '\n' ' ' <"$errf")$(printf '%s\n' "$status" | rows_in_status)" >&2
  rm -f "$errf"
}

# Waits (bounded: LEADER_WAIT_SECONDS) for a leader; prints it.
chaos_wait_leader() {
  local leader
  leader="$(chaos_leader "$LEADER_WAIT_SECONDS")"
  if [ -n "$leader" ]; then echo "$leader"; return 0; fi
  echo "chaos: no leader of $BROKER_NAME within $LEADER_WAIT_SECONDS s" >&2
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
# A signed offset in ms: +12, -35.
signed() { if [ "$1" -ge 0 ]; then echo "+$1"; else echo "$1"; fi; }

chaos_run() {
  chaos_require_docker
  echo "chaos: fault $FAULT on $BROKER_NAME (warm-up ${WARMUP_SECONDS} s, fault ${FAULT_SECONDS} s, after ${AFTER_SECONDS} s, ${RATE} sends/s)"
  local leader
  leader="$(chaos_wait_leader)"
  pick_targets "$leader"
  chaos_resolve_containers
  local client out err seconds gap_pid
  client="$(chaos_client_node)"
  out="$(mktemp)"
  err="$(mktemp)"
  seconds=$((WARMUP_SECONDS + FAULT_SECONDS + AFTER_SECONDS))
  echo "chaos: leader $leader; targets ${TARGETS[*]}; send-gap client on $(service_of "$client"):$(v2_port_of "$client") for ${seconds} s"
  compose exec -T namesrv node --import tsx deploy/chaos/send-gap.ts --endpoint "$(service_of "$client"):$(v2_port_of "$client")" --seconds "$seconds" --rate "$RATE" >"$out" 2>"$err" &
  gap_pid=$!
  # The client's measured time begins once its producer is up (it says so on stderr): the warm-up
  # counts from there, not from the exec (starting node, tsx and the producer takes seconds).

  for _ in $(seq 1 120); do
    if grep -q '^send-gap: started ' "$err" || ! kill -0 "$gap_pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if ! grep -q '^send-gap: started ' "$err"; then
    echo "chaos: the send-gap client did not start within 60 s: $(tr '\n' ' ' <"$err")" >&2
    kill "$gap_pid" 2>/dev/null || true
    rm -f "$out" "$err"
    return 1
  fi
  local started_at
  started_at="$(sed -n 's/^send-gap: started \([0-9]*\).*/\1/p' "$err" | head -n 1)"
  sleep "$WARMUP_SECONDS"
  local fault_at fault_done healed_at heal_done
  fault_at="$(now_ms)"
  inject
  fault_done="$(now_ms)"
  sleep "$FAULT_SECONDS"
  healed_at="$(now_ms)"
  heal
  heal_done="$(now_ms)"
  wait "$gap_pid" || true
  local summary
  summary="$(tail -n 1 "$out")"
  echo "chaos: $FAULT injected at $fault_at ms (the command took $((fault_done - fault_at)) ms), healed at $healed_at ms (took $((heal_done - healed_at)) ms) (epoch)"
  echo "chaos: send-gap client: $summary"
  if [ -z "$summary" ]; then
    echo "chaos: the send-gap client printed nothing; its stderr: $(tr '\n' ' ' <"$err")" >&2
    rm -f "$out" "$err"
    return 1
  fi
  rm -f "$out" "$err"
  local gap from to ended new_leader
  gap="$(echo "$summary" | json_field maxGapMs)"
  from="$(echo "$summary" | json_field maxGapFromMs)"
  to="$(echo "$summary" | json_field maxGapToMs)"
  ended="$(echo "$summary" | json_field endedMs)"
  echo "chaos: timeline (ms after the client started): fault $((fault_at - started_at)), heal $((healed_at - started_at)), client stopped $((ended - started_at))"
  new_leader="$(chaos_wait_leader || true)"
  # Times relative to the moment the fault command was issued.
  local span="from $(signed $((from - fault_at))) to $(signed $((to - fault_at))) ms of the fault (heal issued at $(signed $((healed_at - fault_at))), done at $(signed $((heal_done - fault_at))))"
  if [ "$to" = "$ended" ]; then
    echo "chaos: $FAULT: longest send gap ${gap} ms, $span, STILL OPEN when the client stopped (no send acknowledged since); the leader now is ${new_leader:-none}"
  else
    echo "chaos: $FAULT: longest send gap ${gap} ms, $span; the leader now is ${new_leader:-none}"
  fi
}
