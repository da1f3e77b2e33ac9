#!/usr/bin/env bash
# kill: kill -9 a random node's container (leader or not); start it again at heal. Prints the send gap.
FAULT=kill
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$(chaos_random_node)"); }
inject() { docker kill -s SIGKILL "$(container_of "${TARGETS[0]}")" >/dev/null; }
heal() { docker start "$(container_of "${TARGETS[0]}")" >/dev/null; }
chaos_run
