import { type StitchSimulator, startStitchSimulator } from '@stitch-auth/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  StitchApiError,
  StitchConfigError,
  StitchInputError,
  type StitchScope,
  StitchTokenRequestError,
} from '../../src/index.js'
import { type UploadedImage, uploadImage } from '../../src/operations/index.js'

const UPLOADER = { clientId: 'test-uploader', clientSecret: 'uploader-secret' }
// A client Stitch has not enabled for image uploads.
const PAYMENTS_ONLY = { clientId: 'test-payments-only', clientSecret: 'payments-secret' }

let sim: StitchSimulator
const open: Array<{ close(): Promise<void> }> = []

beforeAll(async () => {
  sim = await startStitchSimulator({
    clients: [
      { ...UPLOADER, scopes: ['client_imageupload', 'client_paymentrequest'] },
      { ...PAYMENTS_ONLY, scopes: ['client_paymentrequest'] },
    ],
  })
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()))
  sim.resetStats()
})
afterAll(() => sim.close())

/** A client of the simulator, closed after the test. */
function client<const TGranted extends StitchScope = StitchScope>(
  credentials: { clientId: string; clientSecret: string },
  scopes?: readonly TGranted[],
) {
  const options = {
    ...credentials,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.graphqlUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  }
  // Without `scopes` the client can't check an operation's scopes itself; with them it can.
  const stitch = scopes
    ? createStitchAuth<TGranted>({ ...options, scopes })
    : createStitchAuth<TGranted>(options)
  open.push(stitch)
  return stitch
}

/** The bytes of a 1×1 PNG, with every byte value from 0 to 255 after it: nothing may be re-encoded. */
const PNG = new Uint8Array([
  ...Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'base64',
  ),
  ...Array.from({ length: 256 }, (_, index) => index),
])

async function served(url: string): Promise<Uint8Array> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return new Uint8Array(await response.arrayBuffer())
}

describe('uploadImage', () => {
  it('uploads the bytes as a multipart request with a token for exactly its scope', async () => {
    const stitch = client(UPLOADER, ['client_imageupload', 'client_paymentrequest'])
    const logo = new File([PNG], 'logo.png', { type: 'image/png' })
    const uploaded: UploadedImage = await stitch.run(uploadImage, { image: logo })

    expect(uploaded).toEqual({
      filename: 'logo.png',
      mimetype: 'image/png',
      encoding: '7bit',
      url: expect.stringMatching(new RegExp(`^${sim.url}/files/[\\w-]+$`)),
    })
    // The image is served, without authorization, byte for byte.
    expect(await served(uploaded.url)).toEqual(PNG)

    expect(sim.tokenRequests.map((request) => request.scope)).toEqual(['client_imageupload'])
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'UploadImage',
        scopes: ['client_imageupload'],
        variables: { image: { filename: 'logo.png', mimetype: 'image/png' } },
        outcome: 'ok',
      },
    ])
  })

  it('sends a bare Blob under the name "upload", with its type', async () => {
    const stitch = client(UPLOADER)
    const uploaded = await stitch.run(uploadImage, {
      image: new Blob([PNG], { type: 'image/png' }),
    })
    expect(uploaded).toMatchObject({ filename: 'upload', mimetype: 'image/png' })
    expect(await served(uploaded.url)).toEqual(PNG)
  })

  it('refuses what is not a non-empty image before any request', async () => {
    const stitch = client(UPLOADER)
    const cases = [
      // Bytes, not a Blob, as JavaScript without types could pass.
      { variables: { image: PNG as unknown as Blob }, messages: ['must be a File or Blob'] },
      {
        variables: { image: new File([], 'logo.png', { type: 'image/png' }) },
        messages: ['must not be empty (0 bytes)'],
      },
      {
        variables: { image: new File(['hello'], 'notes.txt', { type: 'text/plain' }) },
        messages: ['must have an image/* type, e.g. image/png (got "text/plain")'],
      },
      {
        variables: { image: new Blob([]) },
        messages: [
          'must not be empty (0 bytes)',
          'must have an image/* type, e.g. image/png (got none)',
        ],
      },
    ]
    for (const { variables, messages } of cases) {
      const error = await stitch.run(uploadImage, variables).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StitchInputError)
      expect(error).toMatchObject({
        code: 'STITCH_AUTH_INVALID_VARIABLES',
        operation: 'UploadImage',
      })
      expect((error as StitchInputError).issues).toEqual(
        messages.map((message) => ({ path: 'image', message })),
      )
    }
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })

  it('leaves the size to Stitch, mapping its refusal to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Stitch documents no size limit, so none is applied locally; the simulator refuses
    // images over 5 MiB (its own guess) with BAD_USER_INPUT.
    const stitch = client(UPLOADER)
    const huge = new File([new Uint8Array(5 * 1024 * 1024 + 1)], 'huge.png', {
      type: 'image/png',
    })
    const error = await stitch.run(uploadImage, { image: huge }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchApiError)
    expect(error).toMatchObject({
      code: 'STITCH_AUTH_API_INVALID_INPUT',
      errors: [{ code: 'BAD_USER_INPUT' }],
    })
    expect((error as Error).message).toMatch(/image must be at most 5242880 bytes/)
    expect(sim.apiRequests.map((request) => request.outcome)).toEqual(['error'])
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally; the token request is for exactly
    // the operation's scope, so Stitch refuses it (invalid_scope) before the API is called.
    const stitch = client(PAYMENTS_ONLY)
    const error = await stitch
      .run(uploadImage, { image: new File([PNG], 'logo.png', { type: 'image/png' }) })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchTokenRequestError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_TOKEN_REJECTED', error: 'invalid_scope' })
    expect(sim.tokenRequests).toMatchObject([
      { scope: 'client_imageupload', outcome: 'invalid_scope' },
    ])
    expect(sim.apiRequests).toHaveLength(0)
  })

  it("refuses the operation outside the client's scopes before any request", async () => {
    const stitch = client(PAYMENTS_ONLY, ['client_paymentrequest'])
    const error = await stitch
      // @ts-expect-error: the client's scopes do not include client_imageupload
      .run(uploadImage, { image: new File([PNG], 'logo.png', { type: 'image/png' }) })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StitchConfigError)
    expect(error).toMatchObject({ code: 'STITCH_AUTH_CONFIG_INVALID' })
    expect((error as Error).message).toContain('UploadImage needs client_imageupload')
    expect(sim.tokenRequests).toHaveLength(0)
    expect(sim.apiRequests).toHaveLength(0)
  })
})
