#!/usr/bin/env bash
# pause-leader: freeze the leader's container (docker pause: SIGSTOP-like, cgroup freezer);
# unpause at heal. Prints the send gap.
FAULT=pause-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
inject() { compose pause "$(service_of "${TARGETS[0]}")"; }
heal() { compose unpause "$(service_of "${TARGETS[0]}")"; }
chaos_run
