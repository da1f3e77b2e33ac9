#!/usr/bin/env bash
# kill-leader: kill -9 the leader's container; start it again at heal. Prints the send gap.
FAULT=kill-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
inject() { docker kill -s SIGKILL "$(container_of "${TARGETS[0]}")" >/dev/null; }
heal() { docker start "$(container_of "${TARGETS[0]}")" >/dev/null; }
chaos_run
