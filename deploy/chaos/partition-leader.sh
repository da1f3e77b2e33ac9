#!/usr/bin/env bash
# partition-leader: disconnect the leader's container from the compose network (its peers AND
# its clients lose it, like the runner's partition-leader with --proxy-clients); connect it again
# at heal, with its service name as alias. Prints the send gap.
FAULT=partition-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
inject() { docker network disconnect "$(network_name)" "$(container_of "${TARGETS[0]}")"; }
heal() { docker network connect --alias "$(service_of "${TARGETS[0]}")" "$(network_name)" "$(container_of "${TARGETS[0]}")"; }
chaos_run
