#!/usr/bin/env bash
# Runs every check of the repository: lint, build, type checks and all test suites.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# Real parts the tests use (Debian packages): Redis, headless Chromium, curl, openssl.
ensure_apt redis-server redis-server
# redis-cli builds the Redis Cluster of the cluster and failover tests.
ensure_apt redis-cli redis-tools
ensure_apt chromium chromium
ensure_apt curl curl
ensure_apt openssl openssl

rm -rf .artifacts/vitest
pnpm lint
# api:check (after each package's build): the API reports in packages/*/api/ match dist/*.d.ts.
pnpm turbo run build typecheck test api:check --output-logs=errors-only --concurrency=2
node scripts/summarize-tests.mjs
