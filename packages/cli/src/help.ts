import { CLOCK_FAIL_MS, CLOCK_WARN_MS, DEFAULT_DOCTOR_QUERY } from './commands/doctor.js'
import { DEFAULT_TIMEOUT_MS } from './config.js'

const CONNECTION_HELP = `Credentials and endpoints (flags win over the environment):
  --client-id <id>             client id                        [env STITCH_CLIENT_ID]
  --client-secret-stdin        read the client secret from stdin (a hidden prompt on a terminal)
  --client-secret-file <path>  read the client secret from a file  [env STITCH_CLIENT_SECRET holds it inline]
  --private-key <path>         PKCS#8 PEM of a certificate client (private_key_jwt)
                                                                [env STITCH_PRIVATE_KEY: a path or the PEM]
  --key-id <kid>               "kid" of the client assertion     [env STITCH_KEY_ID]
  --client-secret <secret>     accepted, with a warning: it lands in shell history and \`ps\`
  -s, --scope <scope>          a scope to request; repeat or comma-separate for more
                                                                [env STITCH_SCOPES, space-separated]
  --allow-unknown-scopes       accept scopes not in the documented list (new Stitch scopes)
  --token-url <url>            token endpoint                   [env STITCH_TOKEN_URL]
                               default https://secure.stitch.money/connect/token
  --api-url <url>              GraphQL API                      [env STITCH_API_URL]
                               default https://api.stitch.money/graphql
  --timeout <seconds>          give up after this long, retries included (default ${DEFAULT_TIMEOUT_MS / 1000})
  -h, --help                   show this help`

/** `run` picks the scopes itself: the same options without the scope ones. */
const RUN_CONNECTION_HELP = CONNECTION_HELP.split('\n')
  .filter(
    (line, index, lines) =>
      !/^ {2}(-s, --scope|--allow-unknown-scopes)/.test(line) &&
      !(/^ {30,}\[env STITCH_SCOPES/.test(line) && /--scope/.test(lines[index - 1] ?? '')),
  )
  .join('\n')

const EXIT_HELP = `Exit codes:
  0  success (doctor: every check passed; warnings allowed)
  1  Stitch refused (wrong secret, scope not enabled, API error) or a check failed
  2  usage or configuration error; nothing was sent to Stitch
  3  Stitch or the network unavailable (DNS, connection, timeout, HTTP 5xx); try again later`

export const MAIN_HELP = `Usage: stitch-auth <command> [options]

Check Stitch client credentials, get a client token and call the Stitch API from a terminal:
no curl, no Postman, and the secret never printed.

Commands:
  doctor    check configuration, network, credentials, scopes, clock and an API call
  token     get a client token; show its scopes and expiry (token redacted unless --raw)
  graphql   make one authenticated GraphQL call and print the result as JSON
  run       run an operation of the typed catalog by name (scopes and variables checked
            for you) and print its result as JSON; run --list lists them

Run \`stitch-auth <command> --help\` for a command's options.

Options:
  -h, --help     show this help
  -v, --version  print the version

Environment:
  STITCH_CLIENT_ID, STITCH_CLIENT_SECRET or STITCH_PRIVATE_KEY (path or PEM), STITCH_KEY_ID,
  STITCH_SCOPES, STITCH_TOKEN_URL, STITCH_API_URL, NO_COLOR

${EXIT_HELP}

Examples:
  export STITCH_CLIENT_ID=test-…  STITCH_CLIENT_SECRET=…
  stitch-auth doctor --scope client_paymentrequest
  curl -H "Authorization: Bearer $(stitch-auth token --raw -s client_paymentrequest)" …
  stitch-auth graphql 'query { __typename }' -s client_paymentrequest
  stitch-auth run getPaymentRequest --variables '{"id":"…"}'
`

export const TOKEN_HELP = `Usage: stitch-auth token --scope <scope> [--scope …] [--raw | --json [--show-token]]

Gets a client token and prints the scopes Stitch granted, the lifetime, the expiry and a
redacted token (its first characters and …).

Output:
  (default)     a table for people; the token redacted
  --raw         only the token and a newline, for $(…) in scripts
  --json        a JSON object: clientId, tokenUrl, tokenType, scopes, expiresInSeconds,
                issuedAt, expiresAt, tokenPreview
  --show-token  also print the full token (adds "accessToken" to --json)

${CONNECTION_HELP}

${EXIT_HELP}

Examples:
  stitch-auth token -s client_paymentrequest -s client_refund
  printf %s "$SECRET" | stitch-auth token --client-id test-… --client-secret-stdin -s client_refund
  TOKEN=$(stitch-auth token --raw -s client_paymentrequest)
  stitch-auth token --json -s client_paymentrequest | jq .expiresAt
`

export const DOCTOR_HELP = `Usage: stitch-auth doctor --scope <scope> [--scope …] [--json] [--query <graphql>]

Checks, in order, and shows each as ✔/✘ (PASS/FAIL when not a terminal or with NO_COLOR)
with how to fix it. A check whose prerequisite failed is reported as skipped.

  1. Configuration             client id, secret or key, scopes and URLs are valid
                               (an unknown scope gets a "did you mean")
  2. Token endpoint reachable  a POST without credentials gets an HTTP answer (DNS, TCP, TLS)
  3. Credentials accepted      Stitch issues a token (invalid_client: wrong id or secret)
  4. Scopes granted            every requested scope is enabled for this client; a refusal is
                               narrowed down to the scopes at fault
  5. Clock in sync             this clock against the token endpoint's Date header: warning
                               beyond ${CLOCK_WARN_MS / 1000} s, failure beyond ${CLOCK_FAIL_MS / 1000} s (private_key_jwt needs it right)
  6. API call                  the API accepts the token: ${DEFAULT_DOCTOR_QUERY}

Options:
  --json            print the report as one JSON object: { ok, exitCode, checks: [...] }
  --query <graphql> the query of check 6 (default: ${DEFAULT_DOCTOR_QUERY})

${CONNECTION_HELP}

${EXIT_HELP}

Examples:
  stitch-auth doctor -s client_paymentrequest
  stitch-auth doctor --client-id test-… --client-secret-file ./secret.txt -s client_refund
  stitch-auth doctor --json -s client_paymentrequest | jq '.checks[] | select(.status=="fail")'
`

export const GRAPHQL_HELP = `Usage: stitch-auth graphql '<query>' --scope <scope> [--variables <json>] [--operation-name <name>]

Makes one authenticated call to Stitch's GraphQL API and prints its "data" as JSON.
On failure it prints Stitch's errors (message, path, code) to stderr.

Arguments:
  <query>                 the GraphQL document; @file.graphql reads a file, - reads stdin
  --variables <json>      variables as a JSON object; @vars.json reads a file
  --operation-name <name> the operation to run when the document has several

${CONNECTION_HELP}

${EXIT_HELP}

Examples:
  stitch-auth graphql 'query { __typename }' -s client_paymentrequest
  stitch-auth graphql 'query Get($id: ID!) { node(id: $id) { id } }' \\
    --variables '{"id":"…"}' -s client_paymentrequest
  stitch-auth graphql @create-payment.graphql --variables @input.json -s client_paymentrequest
`

export const RUN_HELP = `Usage: stitch-auth run <operation> [--variables <json>] [--file <variable>=@<path>]
       stitch-auth run --list

Runs one operation of the typed catalog of @stitch-auth/core/operations and prints its
result as JSON. The token is requested for exactly the scopes the operation needs, so run
takes no --scope (and ignores STITCH_SCOPES). The variables are checked before anything is
sent: each problem is printed as path: message, and run exits 2.

Arguments:
  <operation>                the operation's name, in any case: createPaymentRequest or
                             CreatePaymentRequest (its GraphQL name)
  --variables <json>         variables as a JSON object (default {}); @vars.json reads a
                             file, - reads stdin
  --file <variable>=@<path>  a file for an operation that uploads one, at that variable
                             (a dot path): --file image=@logo.png; its type follows the
                             extension (png, jpg, jpeg, gif, webp, svg). Repeatable.
  --list                     list the operations, the scopes each needs, and which move
                             money; run without an operation lists them too (to stderr, exit 2)

An operation with a nonce (each one that moves money, like initiateRefund) prints the nonce it
sends to stderr, e.g. "input.nonce: 7f3c…": one is generated unless --variables gives it.
To retry after a lost answer, send the same nonce again: Stitch runs a nonce once and
refuses the second request (exit 1) rather than paying twice.

${RUN_CONNECTION_HELP}

${EXIT_HELP}

Examples:
  stitch-auth run --list
  stitch-auth run createPaymentRequest --variables @payment.json
  stitch-auth run GetPaymentRequest --variables '{"id":"…"}' | jq .state.__typename
  stitch-auth run initiateRefund --variables '{"input":{"paymentRequestId":"…",
    "amount":{"quantity":"50.00","currency":"ZAR"},"reason":"requested_by_user",
    "beneficiaryReference":"Refund order-42"}}'
`
