#!/usr/bin/env bash
# partition-leader: disconnect the leader's container from the compose network (its peers AND
# its clients lose it, like the runner's partition-leader with --proxy-clients); connect it again
# at heal, with its service name as alias. Prints the send gap.
FAULT=partition-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
ip_on_network() { docker inspect -f "{{with index .NetworkSettings.Networks \"$(network_name)\"}}{{.IPAddress}}{{end}}" "$1"; }
inject() {
  PARTITIONED_IP="$(ip_on_network "$(container_of "${TARGETS[0]}")")"
  docker network disconnect "$(network_name)" "$(container_of "${TARGETS[0]}")"
}
heal() {
  docker network connect --alias "$(service_of "${TARGETS[0]}")" "$(network_name)" "$(container_of "${TARGETS[0]}")"
  # The node's Raft listener is bound to the address its name had at start-up (dLegerPeers): if
  # docker hands the container another address, it cannot rejoin until it restarts. Say so.
  local now
  now="$(ip_on_network "$(container_of "${TARGETS[0]}")")"
  if [ "$now" != "$PARTITIONED_IP" ]; then
    echo "chaos: $(service_of "${TARGETS[0]}") came back as $now, not $PARTITIONED_IP: its Raft listener still binds the old address" >&2
  fi
}
chaos_run
