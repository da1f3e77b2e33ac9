#!/usr/bin/env bash
# pause-leader: freeze the leader's container (docker pause: SIGSTOP-like, cgroup freezer);
# unpause at heal. Prints the send gap.
FAULT=pause-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
inject() { docker pause "$(container_of "${TARGETS[0]}")" >/dev/null; }
heal() { docker unpause "$(container_of "${TARGETS[0]}")" >/dev/null; }
chaos_run
