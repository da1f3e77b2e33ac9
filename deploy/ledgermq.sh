#!/bin/sh
# The image's `ledgermq` (its entry point, on PATH): what `npx ledgermq` is in the repository.
# `broker …` and `namesrv …` run that process's entry from its bundle (deploy/bundle-entries.ts,
# made at image build time) on plain node, in place of this shell: the process the CLI would spawn
# through tsx, started in well under a second, and PID 1's (docker-init's) direct child, so SIGTERM
# reaches it. Every other command is the CLI, through tsx. LEDGERMQ_NODE_BUNDLE=0 runs everything
# through the CLI and tsx, as the repository does without bundles.
set -e
app=/app
bundles=$app/node_modules/.cache/ledgermq
if [ "${LEDGERMQ_NODE_BUNDLE:-1}" != 0 ]; then
  case "${1:-}" in
    broker | namesrv)
      entry="$bundles/$1.mjs"
      shift
      exec node "$entry" "$@"
      ;;
  esac
fi
exec node --import "$app/node_modules/tsx/dist/loader.mjs" "$app/packages/cli/src/main.ts" "$@"
