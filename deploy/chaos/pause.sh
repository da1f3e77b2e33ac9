#!/usr/bin/env bash
# pause: freeze a random node's container; unpause at heal. Prints the send gap.
FAULT=pause
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$(chaos_random_node)"); }
inject() { docker pause "$(container_of "${TARGETS[0]}")" >/dev/null; }
heal() { docker unpause "$(container_of "${TARGETS[0]}")" >/dev/null; }
chaos_run
