import { describe, expect, it } from 'vitest'
import {
  catalogOperations,
  findOperation,
  formatCatalog,
  readFileArgument,
} from '../src/commands/run.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  closedPort,
  envFor,
  PAYMENT_REQUEST_INPUT,
  runBuilt,
  useFiles,
  useSimulator,
} from './helpers.js'

// `stitch-auth run <operation>`: the built CLI against a simulator, with the catalog of
// @stitch-auth/core/operations as it is built.

const NARROW_CLIENT_ID = 'test-cli-narrow-51c2'
const ctx = useSimulator({
  clients: [
    {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scopes: [
        'client_paymentrequest',
        'client_refund',
        'client_bankaccountverification',
        'client_imageupload',
      ],
    },
    { clientId: NARROW_CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['client_paymentrequest'] },
  ],
})

// A PNG's signature and a few bytes: the simulator stores what it is sent.
const PNG = '\u0089PNG\r\n\u001a\nnot-really-an-image'
const file = useFiles({
  'input.json': JSON.stringify(PAYMENT_REQUEST_INPUT),
  'logo.png': PNG,
  'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'notes.txt': 'plain text',
})

const ACCOUNT = {
  bankId: 'absa',
  accountNumber: '4090000042',
  branchCode: '632005',
  accountType: 'current',
  holder: {
    type: 'individual',
    familyName: 'Dlamini',
    initials: 'SK',
    identifyingDocument: { kind: 'identityDocument', country: 'ZA', number: '8501015800088' },
  },
  open: true,
  openForMoreThanThreeMonths: true,
  acceptsDebits: true,
  acceptsCredits: true,
} as const

const VERIFY_INPUT = {
  input: {
    accountNumber: ACCOUNT.accountNumber,
    bankId: ACCOUNT.bankId,
    accountHolder: {
      individual: {
        familyName: 'Dlamini',
        initials: 'SK',
        identifyingDocument: { identityDocument: { country: 'ZA', number: '8501015800088' } },
      },
    },
  },
}

function refundInput(paymentRequestId: string, nonce?: string) {
  return JSON.stringify({
    input: {
      paymentRequestId,
      amount: { quantity: 50, currency: 'ZAR' },
      reason: 'requested_by_user',
      beneficiaryReference: 'Refund order-42',
      ...(nonce === undefined ? {} : { nonce }),
    },
  })
}

/** Creates a payment request with the CLI and has the simulated payer pay it. */
async function paidPaymentRequest(): Promise<string> {
  const created = await runBuilt(
    ['run', 'createPaymentRequest', '--variables', `@${file('input.json')}`],
    { env: envFor(ctx.sim) },
  )
  expect(created).toMatchObject({ code: 0, stderr: '' })
  const { id } = JSON.parse(created.stdout) as { id: string }
  ctx.sim.completePaymentRequest(id)
  return id
}

describe('stitch-auth run (built CLI)', () => {
  it('runs an operation by name and prints its typed result, with a token for exactly its scopes', async () => {
    ctx.sim.registerBankAccount(ACCOUNT)
    ctx.sim.resetStats()
    const result = await runBuilt(
      ['run', 'verifyBankAccount', '--variables', JSON.stringify(VERIFY_INPUT)],
      // STITCH_SCOPES is for the other commands; run ignores it.
      { env: envFor(ctx.sim, { STITCH_SCOPES: 'client_paymentrequest client_refund' }) },
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const verified = JSON.parse(result.stdout)
    expect(verified).toMatchObject({
      accountNumber: ACCOUNT.accountNumber,
      accountVerificationResult: 'verified',
      bankId: 'absa',
      branchCode: '632005',
      accountHolder: {
        __typename: 'VerifiedIndividualBankAccountDetails',
        familyName: 'Dlamini',
        identifyingDocumentVerificationResult: 'verified',
      },
    })
    expect(ctx.sim.tokenRequests.map((request) => request.scope)).toEqual([
      'client_bankaccountverification',
    ])
    expect(ctx.sim.apiRequests).toHaveLength(1)
    expect(ctx.sim.apiRequests[0]).toMatchObject({
      clientId: CLIENT_ID,
      operationName: 'VerifyBankAccount',
      scopes: ['client_bankaccountverification'],
      outcome: 'ok',
    })
  })

  it('takes the GraphQL name in any case, and variables from a file or stdin', async () => {
    const created = await runBuilt(
      ['run', 'CreatePaymentRequest', '--variables', `@${file('input.json')}`],
      { env: envFor(ctx.sim) },
    )
    expect(created).toMatchObject({ code: 0, stderr: '' })
    const { id, url } = JSON.parse(created.stdout) as { id: string; url: string }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pay\//)
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      operationName: 'CreatePaymentRequest',
      scopes: ['client_paymentrequest'],
      variables: { input: { amount: { quantity: '150.00', currency: 'ZAR' } } },
    })

    const read = await runBuilt(['run', 'GETPAYMENTREQUEST', '--variables', '-'], {
      env: envFor(ctx.sim),
      stdin: JSON.stringify({ id }),
    })
    expect(read).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(read.stdout)).toMatchObject({
      __typename: 'PaymentInitiationRequest',
      id,
      payerReference: 'order-42',
      amount: { quantity: '150.00', currency: 'ZAR' },
      state: { __typename: 'PaymentInitiationRequestPending' },
      refunds: [],
    })
  })

  it('prints null for a result that is null', async () => {
    const result = await runBuilt(['run', 'getPaymentRequest', '--variables', '{"id":"nope"}'], {
      env: envFor(ctx.sim),
    })
    expect(result).toMatchObject({ code: 0, stdout: 'null\n', stderr: '' })
  })

  it('refuses invalid variables with each issue as path: message, before any request (exit 2)', async () => {
    ctx.sim.resetStats()
    const bad = structuredClone(PAYMENT_REQUEST_INPUT) as Record<string, Record<string, unknown>>
    bad.input = {
      ...bad.input,
      amount: { quantity: -5, currency: 'rand' },
      payerReference: 'far-too-long-for-stitch',
    }
    const result = await runBuilt(
      ['run', 'createPaymentRequest', '--variables', JSON.stringify(bad)],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('stitch-auth run: invalid variables for createPaymentRequest:')
    expect(result.stderr).toMatch(/^ {2}- input\.amount\.quantity: /m)
    expect(result.stderr).toContain('  - input.amount.currency: must be an ISO 4217 currency code')
    expect(result.stderr).toContain('  - input.payerReference: must be at most 12 characters')

    // No variables at all: the missing ones are named too.
    const none = await runBuilt(['run', 'verifyBankAccount'], { env: envFor(ctx.sim) })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^ {2}- input: /m)

    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
    expect(ctx.sim.stats.apiCalls.total).toBe(0)
  })

  it('refuses an unknown operation with a suggestion, --scope, and bad --variables (exit 2)', async () => {
    ctx.sim.resetStats()
    const env = envFor(ctx.sim)
    const typo = await runBuilt(['run', 'verifyBankAcount'], { env })
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain(
      'unknown operation "verifyBankAcount". Did you mean verifyBankAccount?',
    )
    expect(typo.stderr).toContain('`stitch-auth run --list` lists the operations')
    const part = await runBuilt(['run', 'refund'], { env })
    expect(part.stderr).toContain('Did you mean initiateRefund?')
    // Something that does not look like a name (a pasted secret, say) is not echoed.
    const pasted = await runBuilt(['run', 'x9&Pw=3 secret!'], { env })
    expect(pasted.code).toBe(2)
    expect(pasted.stderr).toContain('unknown operation given.')
    expect(pasted.stderr).not.toContain('x9&Pw=3')

    const scope = await runBuilt(['run', 'getPaymentRequest', '-s', 'client_refund'], { env })
    expect(scope.code).toBe(2)
    expect(scope.stderr).toContain('run requests exactly the scopes the operation needs')
    const notJson = await runBuilt(['run', 'getPaymentRequest', '--variables', '{oops'], { env })
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toContain('--variables must be a JSON object')
    const noCredentials = await runBuilt(
      ['run', 'getPaymentRequest', '--variables', '{"id":"x"}'],
      { env: { STITCH_TOKEN_URL: ctx.sim.tokenUrl } },
    )
    expect(noCredentials.code).toBe(2)
    expect(noCredentials.stderr).toContain('no client id')
    expect(noCredentials.stderr).not.toContain('no scope')
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('--list shows every operation with its scopes, without credentials', async () => {
    const result = await runBuilt(['run', '--list'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^operation\s+scopes$/m)
    expect(result.stdout).toMatch(/^createPaymentRequest\s+client_paymentrequest$/m)
    expect(result.stdout).toMatch(/^getPaymentRequest\s+client_paymentrequest$/m)
    expect(result.stdout).toMatch(/^initiateRefund\s+client_refund\s+moves money$/m)
    expect(result.stdout).toMatch(/^verifyBankAccount\s+client_bankaccountverification$/m)
    expect(result.stdout).toMatch(/^uploadImage\s+client_imageupload\s+uploads a file$/m)
    // Without a name: the same list, on stderr, as a usage error.
    const bare = await runBuilt(['run'])
    expect(bare.code).toBe(2)
    expect(bare.stdout).toBe('')
    expect(bare.stderr).toBe(`stitch-auth run needs an operation name.\n\n${result.stdout}`)
  })

  it('exits 1 when Stitch refuses the scope the operation needs, with a fix naming it', async () => {
    const result = await runBuilt(
      ['run', 'initiateRefund', '--variables', refundInput('any-payment-request')],
      { env: envFor(ctx.sim, { STITCH_CLIENT_ID: NARROW_CLIENT_ID }) },
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('invalid_scope')
    expect(result.stderr).toContain('fix: initiateRefund needs a token for client_refund')
    expect(ctx.sim.tokenRequests.at(-1)).toMatchObject({
      clientId: NARROW_CLIENT_ID,
      scope: 'client_refund',
      outcome: 'invalid_scope',
    })
  })

  it('moves money with a nonce it prints, and a retry with that nonce is refused (exit 1)', async () => {
    const paymentRequestId = await paidPaymentRequest()
    const refund = await runBuilt(
      ['run', 'initiateRefund', '--variables', refundInput(paymentRequestId)],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(refund.code).toBe(0)
    const nonce = /^input\.nonce: (\S+) \(to retry this very request/m.exec(refund.stderr)?.[1]
    expect(nonce).toBeDefined()
    const result = JSON.parse(refund.stdout)
    expect(result).toMatchObject({
      nonce,
      amount: { quantity: '50.00', currency: 'ZAR' },
      status: { __typename: 'RefundPending' },
    })
    // The nonce printed is the one sent.
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      operationName: 'InitiateRefund',
      scopes: ['client_refund'],
      variables: { input: { nonce } },
    })
    expect(ctx.sim.refunds.at(-1)).toMatchObject({ id: result.id, nonce })

    const retry = await runBuilt(
      ['run', 'initiateRefund', '--variables', refundInput(paymentRequestId, nonce)],
      { env: envFor(ctx.sim) },
    )
    expect(retry.code).toBe(1)
    expect(retry.stdout).toBe('')
    expect(retry.stderr).toContain(`input.nonce: ${nonce}`)
    expect(retry.stderr).toContain('its nonce was used before')
    expect(retry.stderr).toContain('fix: Stitch already has a request with this nonce')
    expect(ctx.sim.refunds.filter((item) => item.nonce === nonce)).toHaveLength(1)
  })

  it('exits 1 when Stitch refuses the input itself', async () => {
    const paymentRequestId = await paidPaymentRequest()
    const tooMuch = JSON.parse(refundInput(paymentRequestId))
    tooMuch.input.amount.quantity = 1000
    const result = await runBuilt(
      ['run', 'initiateRefund', '--variables', JSON.stringify(tooMuch)],
      {
        env: envFor(ctx.sim),
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Stitch refused the request's input")
  })

  it('uploads a file given with --file, typed by its extension', async () => {
    const png = await runBuilt(['run', 'uploadImage', '--file', `image=@${file('logo.png')}`], {
      env: envFor(ctx.sim),
    })
    expect(png).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(png.stdout)).toMatchObject({ filename: 'logo.png', mimetype: 'image/png' })
    expect(ctx.sim.apiRequests.at(-1)).toMatchObject({
      operationName: 'UploadImage',
      scopes: ['client_imageupload'],
      variables: { image: { filename: 'logo.png', mimetype: 'image/png' } },
    })
    const svg = await runBuilt(['run', 'uploadImage', '--file', `image=${file('logo.svg')}`], {
      env: envFor(ctx.sim),
    })
    expect(svg.code).toBe(0)
    expect(JSON.parse(svg.stdout)).toMatchObject({ mimetype: 'image/svg+xml' })

    ctx.sim.resetStats()
    const env = envFor(ctx.sim)
    const missing = await runBuilt(['run', 'uploadImage'], { env })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('  - image: must be a File or Blob')
    expect(missing.stderr).toContain('pass it with --file image=@<path>')
    const text = await runBuilt(['run', 'uploadImage', '--file', `image=@${file('notes.txt')}`], {
      env,
    })
    expect(text.code).toBe(2)
    expect(text.stderr).toContain('image: must have an image/* type')
    const unreadable = await runBuilt(
      ['run', 'uploadImage', '--file', 'image=@/no/such/logo.png'],
      {
        env,
      },
    )
    expect(unreadable.code).toBe(2)
    expect(unreadable.stderr).toContain("can't read --file image from /no/such/logo.png: ENOENT")
    const noFiles = await runBuilt(
      [
        'run',
        'getPaymentRequest',
        '--variables',
        '{"id":"x"}',
        '--file',
        `image=@${file('logo.png')}`,
      ],
      { env },
    )
    expect(noFiles.code).toBe(2)
    expect(noFiles.stderr).toContain('getPaymentRequest sends no file, so --file does not apply')
    expect(ctx.sim.stats.tokenRequests.total).toBe(0)
  })

  it('exits 3 when the API fails with a 503 or cannot be reached', async () => {
    ctx.sim.fault({ endpoint: 'graphql', status: 503, times: 1 })
    const failing = await runBuilt(['run', 'getPaymentRequest', '--variables', '{"id":"x"}'], {
      env: envFor(ctx.sim),
    })
    expect(failing.code).toBe(3)
    expect(failing.stdout).toBe('')
    expect(failing.stderr).toContain('HTTP 503')

    const port = await closedPort()
    const down = await runBuilt(
      ['run', 'getPaymentRequest', '--variables', '{"id":"x"}', '--timeout', '2'],
      {
        env: envFor(ctx.sim, {
          STITCH_TOKEN_URL: `http://127.0.0.1:${port}/connect/token`,
          STITCH_API_URL: `http://127.0.0.1:${port}/graphql`,
        }),
      },
    )
    expect(down.code).toBe(3)
    expect(down.stderr).toContain('ECONNREFUSED')
  })

  it('--help describes run; the main help lists it', async () => {
    const help = await runBuilt(['run', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: stitch-auth run <operation>/)
    for (const text of ['--variables', '--file', '--list', '--client-id', '--api-url', 'nonce']) {
      expect(help.stdout).toContain(text)
    }
    expect(help.stdout).not.toMatch(/^ {2}-s, --scope/m)
    expect((await runBuilt(['help', 'run'])).stdout).toBe(help.stdout)
    expect((await runBuilt(['run', 'verifyBankAccount', '-h'])).stdout).toBe(help.stdout)
    expect((await runBuilt(['--help'])).stdout).toMatch(/^ {2}run {7}run an operation/m)
  })
})

describe('the catalog, in-process', () => {
  it('finds every exported operation, and only operations', () => {
    const fake = {
      getThing: {
        name: 'GetThing',
        document: 'query GetThing { __typename }',
        scopes: ['client_paymentrequest'],
        variables: { safeParseAsync: async () => ({ success: true, data: {} }) },
        result: () => null,
      },
      defineApiOperation: () => undefined,
      moneyInput: { safeParseAsync: async () => ({}) },
    }
    expect(catalogOperations(fake).map((entry) => entry.name)).toEqual(['getThing'])
    const names = catalogOperations().map((entry) => entry.name)
    expect(names).toEqual(expect.arrayContaining(['createPaymentRequest', 'initiateRefund']))
    expect(names).not.toContain('defineApiOperation')
    expect(names).not.toContain('nonce')
  })

  it('matches export and GraphQL names in any case', () => {
    const entries = catalogOperations()
    for (const name of ['initiateRefund', 'InitiateRefund', 'INITIATEREFUND']) {
      expect(findOperation(entries, name).name).toBe('initiateRefund')
    }
    expect(() => findOperation(entries, 'initiateRefnd')).toThrow('Did you mean initiateRefund?')
    expect(() => findOperation(entries, 'zzzzzzzzzzzz')).toThrow(
      /unknown operation "zzzzzzzzzzzz"\. `/,
    )
    expect(formatCatalog(entries).split('\n')[0]).toMatch(/^operation\s+scopes$/)
  })

  it('reads --file as a File typed by its extension', async () => {
    const png = await readFileArgument(`logo=@${file('logo.png')}`)
    expect(png.path).toBe('logo')
    expect(png.file).toBeInstanceOf(File)
    expect(png.file).toMatchObject({ name: 'logo.png', type: 'image/png' })
    expect(png.file.size).toBe(Buffer.byteLength(PNG))
    expect((await readFileArgument(`input.image=@${file('notes.txt')}`)).file.type).toBe(
      'application/octet-stream',
    )
    await expect(readFileArgument('no-equals-sign')).rejects.toThrow(
      '--file takes <variable>=@<path>',
    )
    await expect(readFileArgument('image=')).rejects.toThrow('--file takes <variable>=@<path>')
  })
})
