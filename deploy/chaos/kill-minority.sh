#!/usr/bin/env bash
# kill-minority: kill -9 a minority (one of the three nodes, a random follower here, so the
# client's node stays up); start it again at heal. Prints the send gap (writes should not stop).
FAULT=kill-minority
source "$(dirname "$0")/lib.sh"
pick_targets() {
  local n
  for n in "${NODES[@]}"; do if [ "$n" != "$1" ]; then TARGETS=("$n"); return; fi; done
}
inject() { docker kill -s SIGKILL "$(container_of "${TARGETS[0]}")" >/dev/null; }
heal() { docker start "$(container_of "${TARGETS[0]}")" >/dev/null; }
chaos_run
