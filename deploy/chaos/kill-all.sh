#!/usr/bin/env bash
# kill-all: kill -9 every node's container; start them all again at heal. Prints the send gap
# (the whole fault, plus the restart and the election).
FAULT=kill-all
source "$(dirname "$0")/lib.sh"
pick_targets() { TARGETS=("${NODES[@]}"); }
# One docker call per container, all at once (as the runner kills and starts every process): a
# single `docker start a b c` starts them one after another, a second or two each, and the
# election waits for the second. Waits for these calls only (not the send-gap client).
each_container() {
  local c pids=() rc=0
  for c in $(containers_of "${TARGETS[@]}"); do docker "$@" "$c" >/dev/null & pids+=($!); done
  for c in "${pids[@]}"; do wait "$c" || rc=$?; done
  return "$rc"
}
inject() { each_container kill -s SIGKILL; }
heal() { each_container start; }
chaos_run
