#!/usr/bin/env bash
# kill: kill -9 a random node's container (leader or not); start it again at heal. Prints the send gap.
FAULT=kill
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$(chaos_random_node)"); }
inject() { compose kill -s SIGKILL "$(service_of "${TARGETS[0]}")"; }
heal() { compose start "$(service_of "${TARGETS[0]}")"; }
chaos_run
