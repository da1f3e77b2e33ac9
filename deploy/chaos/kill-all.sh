#!/usr/bin/env bash
# kill-all: kill -9 every node's container; start them all again at heal. Prints the send gap
# (the whole fault, plus the restart and the election).
FAULT=kill-all
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("${NODES[@]}"); }
inject() { docker kill -s SIGKILL $(containers_of "${TARGETS[@]}") >/dev/null; }
heal() { docker start $(containers_of "${TARGETS[@]}") >/dev/null; }
chaos_run
