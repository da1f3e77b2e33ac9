#!/usr/bin/env bash
# pause: freeze a random node's container; unpause at heal. Prints the send gap.
FAULT=pause
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$(chaos_random_node)"); }
inject() { compose pause "$(service_of "${TARGETS[0]}")"; }
heal() { compose unpause "$(service_of "${TARGETS[0]}")"; }
chaos_run
