#!/usr/bin/env bash
# Builds the packages and starts the demo (Ctrl-C stops it).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

pnpm turbo run build --filter=@stitch-auth/demo... --output-logs=errors-only
exec pnpm --silent --filter @stitch-auth/demo start "$@"
