#!/usr/bin/env bash
# kill-leader: kill -9 the leader's container; start it again at heal. Prints the send gap.
FAULT=kill-leader
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("$1"); }
inject() { compose kill -s SIGKILL "$(service_of "${TARGETS[0]}")"; }
heal() { compose start "$(service_of "${TARGETS[0]}")"; }
chaos_run
