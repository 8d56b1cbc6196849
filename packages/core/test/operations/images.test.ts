import { describe, expect, it } from 'vitest'
import { defineApiOperation, type UploadedImage, uploadImage } from '../../src/operations/index.js'
import { PAYMENTS_ONLY, useOperationsSimulator } from './setup.js'

const UPLOADER = { clientId: 'test-uploader', clientSecret: 'uploader-secret' }

const ctx = useOperationsSimulator({
  clients: [
    { ...UPLOADER, scopes: ['client_imageupload', 'client_paymentrequest'] },
    PAYMENTS_ONLY,
  ],
})

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
    const stitch = ctx.client(UPLOADER, ['client_imageupload', 'client_paymentrequest'])
    const logo = new File([PNG], 'logo.png', { type: 'image/png' })
    const uploaded: UploadedImage = await stitch.run(uploadImage, { image: logo })

    expect(uploaded).toEqual({
      filename: 'logo.png',
      mimetype: 'image/png',
      encoding: '7bit',
      url: expect.stringMatching(new RegExp(`^${ctx.sim.url}/files/[\\w-]+$`)),
    })
    // The image is served, without authorization, byte for byte.
    expect(await served(uploaded.url)).toEqual(PNG)

    expect(ctx.requestedScopes()).toEqual(['client_imageupload'])
    expect(ctx.sim.apiRequests).toMatchObject([
      {
        operationName: 'UploadImage',
        scopes: ['client_imageupload'],
        variables: { image: { filename: 'logo.png', mimetype: 'image/png' } },
        outcome: 'ok',
      },
    ])
  })

  it('sends a bare Blob under the name "upload", with its type', async () => {
    const stitch = ctx.client(UPLOADER)
    const uploaded = await stitch.run(uploadImage, {
      image: new Blob([PNG], { type: 'image/png' }),
    })
    expect(uploaded).toMatchObject({ filename: 'upload', mimetype: 'image/png' })
    expect(await served(uploaded.url)).toEqual(PNG)
  })

  it('refuses what is not a non-empty image before any request', async () => {
    const stitch = ctx.client(UPLOADER)
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
      await ctx.expectRefusedLocally(
        stitch.run(uploadImage, variables),
        messages.map((message) => ({ path: 'image', message })),
        { operation: 'UploadImage' },
      )
    }
  })

  it('leaves the size to Stitch, mapping its refusal to STITCH_AUTH_API_INVALID_INPUT', async () => {
    // Stitch documents no size limit, so none is applied locally; the simulator refuses
    // images over 5 MiB (its own guess) with BAD_USER_INPUT.
    const stitch = ctx.client(UPLOADER)
    const huge = new File([new Uint8Array(5 * 1024 * 1024 + 1)], 'huge.png', {
      type: 'image/png',
    })
    const error = await ctx.expectInputRefusedByStitch(
      stitch.run(uploadImage, { image: huge }),
      /image must be at most 5242880 bytes/,
    )
    expect(error.errors).toMatchObject([{ path: ['clientImageUpload'] }])
    expect(ctx.sim.apiRequests.map((request) => request.outcome)).toEqual(['error'])
    await ctx.expectTokenNotIn(error, stitch, ['client_imageupload'])
  })

  it('maps the API refusing a token without client_imageupload to STITCH_AUTH_API_FORBIDDEN', async () => {
    // The same document, sent as the same multipart request, with a token of another scope:
    // the API itself refuses it.
    const stitch = ctx.client(UPLOADER)
    const error = await ctx.expectForbiddenByStitch(
      stitch.run(defineApiOperation({ ...uploadImage, scopes: ['client_paymentrequest'] }), {
        image: new File([PNG], 'forbidden.png', { type: 'image/png' }),
      }),
      ['client_imageupload'],
    )
    expect(error.errors).toMatchObject([{ path: ['clientImageUpload'] }])
    expect(ctx.sim.apiRequests).toMatchObject([
      {
        operationName: 'UploadImage',
        scopes: ['client_paymentrequest'],
        variables: { image: { filename: 'forbidden.png', mimetype: 'image/png' } },
      },
    ])
    await ctx.expectTokenNotIn(error, stitch, ['client_paymentrequest'])
  })

  it('fails the token request when Stitch has not enabled the scope for the client', async () => {
    // Without a `scopes` option run() cannot check locally, so the token endpoint decides.
    const stitch = ctx.client(PAYMENTS_ONLY)
    await ctx.expectScopeNotEnabled(
      stitch.run(uploadImage, { image: new File([PNG], 'logo.png', { type: 'image/png' }) }),
      'client_imageupload',
    )
  })

  it("refuses the operation outside the client's scopes before any request", async () => {
    const stitch = ctx.client(PAYMENTS_ONLY, ['client_paymentrequest'])
    await ctx.expectRefusedByScopesOption(
      // @ts-expect-error: the client's scopes do not include client_imageupload
      stitch.run(uploadImage, { image: new File([PNG], 'logo.png', { type: 'image/png' }) }),
      'UploadImage needs client_imageupload',
    )
  })
})
