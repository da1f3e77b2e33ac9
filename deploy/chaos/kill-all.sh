#!/usr/bin/env bash
# kill-all: kill -9 every node's container; start them all again at heal. Prints the send gap
# (the whole fault, plus the restart and the election).
FAULT=kill-all
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("${NODES[@]}"); }
inject() { local n; for n in "${TARGETS[@]}"; do compose kill -s SIGKILL "$(service_of "$n")"; done; }
heal() { local n; for n in "${TARGETS[@]}"; do compose start "$(service_of "$n")"; done; }
chaos_run
