import { describe, expect, it } from 'vitest'
import { DOCUMENTED_SCOPES, type StitchSimulator } from '../src/index.js'
import { MAX_IMAGE_BYTES } from '../src/stitch/images.js'
import { getAccessToken, gql, requestToken, secretClient, startSim } from './helpers.js'

const uploadingClient = { ...secretClient, scopes: [...DOCUMENTED_SCOPES] }
const otherClient = { ...uploadingClient, clientId: 'other', clientSecret: 'other-secret' }
const startUploadSim = () => startSim({ clients: [uploadingClient, otherClient] })
const uploadToken = (sim: StitchSimulator) => getAccessToken(sim, 'client_imageupload')

const UPLOAD = /* GraphQL */ `
  mutation Upload($image: Upload!) {
    clientImageUpload(image: $image) { filename mimetype encoding url }
  }
`

// A real 1×1 PNG.
const PNG = Uint8Array.from(
  atob(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  ),
  (c) => c.charCodeAt(0),
)

interface UploadAnswer {
  status: number
  body: {
    data?: {
      clientImageUpload: { filename: string; mimetype: string; encoding: string; url: string }
    } | null
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[]
  }
}

/**
 * A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec): the
 * operation with the file variable null, a map from form field to variable path, then the file.
 */
function multipartForm(
  file: Blob,
  filename: string,
  { map = { 0: ['variables.image'] } as unknown, fileField = '0' } = {},
): FormData {
  const form = new FormData()
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { image: null } }))
  form.set('map', JSON.stringify(map))
  form.set(fileField, file, filename)
  return form
}

async function post(sim: StitchSimulator, token: string, body: FormData): Promise<UploadAnswer> {
  const response = await fetch(sim.graphqlUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, body: (await response.json()) as UploadAnswer['body'] }
}

const upload = (sim: StitchSimulator, token: string, file: Blob, filename: string) =>
  post(sim, token, multipartForm(file, filename))

async function uploadedUrl(sim: StitchSimulator, token: string, file: Blob, filename: string) {
  const { status, body } = await upload(sim, token, file, filename)
  expect(status).toBe(200)
  expect(body.errors).toBeUndefined()
  return String(body.data?.clientImageUpload.url)
}

/** Downloads without any credentials: "File downloads do not require authorization". */
async function download(url: string) {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    bytes: new Uint8Array(await response.arrayBuffer()),
  }
}

function expectBadInput(body: unknown, problems: readonly string[]): void {
  expect(body).toEqual({
    errors: [
      {
        message: `Invalid input: ${problems.join('; ')}`,
        locations: expect.any(Array),
        path: ['clientImageUpload'],
        extensions: { code: 'BAD_USER_INPUT', problems },
      },
    ],
    data: null,
  })
}

describe('image upload', () => {
  it('uploads an image sent as a GraphQL multipart request; its url serves the same bytes without auth', async () => {
    await using sim = await startUploadSim()
    const token = await uploadToken(sim)
    const { status, body } = await upload(
      sim,
      token,
      new Blob([PNG], { type: 'image/png' }),
      'logo.png',
    )
    expect(status).toBe(200)
    const url = body.data?.clientImageUpload.url
    expect(body).toEqual({
      data: {
        clientImageUpload: { filename: 'logo.png', mimetype: 'image/png', encoding: '7bit', url },
      },
    })
    expect(url).toMatch(new RegExp(`^${sim.url}/files/[\\w-]{20,}$`))
    expect(await download(String(url))).toEqual({
      status: 200,
      contentType: 'image/png',
      bytes: PNG,
    })
    expect(sim.apiRequests).toMatchObject([
      {
        operationName: 'Upload',
        outcome: 'ok',
        variables: { image: { filename: 'logo.png', mimetype: 'image/png', bytes: PNG } },
      },
    ])
  })

  it('serves each image type with its own content type, for any image/* type', async () => {
    await using sim = await startUploadSim()
    const token = await uploadToken(sim)
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')
    for (const [type, bytes, filename] of [
      ['image/jpeg', Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), 'photo.jpg'],
      ['image/svg+xml', svg, 'logo.svg'],
      ['image/vnd.microsoft.icon', Uint8Array.of(0, 0, 1, 0), 'favicon.ico'],
    ] as const) {
      const url = await uploadedUrl(sim, token, new Blob([bytes], { type }), filename)
      expect(await download(url)).toEqual({ status: 200, contentType: type, bytes })
    }
  })

  it('replaces an image with the same filename, keeping its url; other names and clients get their own', async () => {
    await using sim = await startUploadSim()
    const token = await uploadToken(sim)
    const first = await uploadedUrl(sim, token, new Blob([PNG], { type: 'image/png' }), 'logo.png')
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)
    const replaced = await uploadedUrl(
      sim,
      token,
      new Blob([jpeg], { type: 'image/jpeg' }),
      'logo.png',
    )
    expect(replaced).toBe(first)
    expect(await download(first)).toEqual({ status: 200, contentType: 'image/jpeg', bytes: jpeg })

    const otherName = await uploadedUrl(
      sim,
      token,
      new Blob([PNG], { type: 'image/png' }),
      'logo2.png',
    )
    expect(otherName).not.toBe(first)
    const { json } = await requestToken(sim, {
      client_id: otherClient.clientId,
      client_secret: otherClient.clientSecret,
      scope: 'client_imageupload',
    })
    const otherClients = await uploadedUrl(
      sim,
      String(json.access_token),
      new Blob([PNG], { type: 'image/png' }),
      'logo.png',
    )
    expect(otherClients).not.toBe(first)
    expect((await download(first)).bytes).toEqual(jpeg)
    expect((await download(otherClients)).bytes).toEqual(PNG)
  })

  it('answers 404 for a file that was never uploaded', async () => {
    await using sim = await startUploadSim()
    const response = await fetch(`${sim.url}/files/nope`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'not_found', error_description: 'No such file' })
  })

  describe('refuses what is not an image, or too big, and stores nothing', () => {
    it.each([
      ['text/plain', 'notes.txt'],
      ['application/pdf', 'logo.pdf'],
      // A Blob without a type is sent as application/octet-stream.
      ['', 'logo.png'],
      ['imagex/png', 'logo.png'],
    ])('%j', async (type, filename) => {
      await using sim = await startUploadSim()
      const { status, body } = await upload(
        sim,
        await uploadToken(sim),
        new Blob([PNG], { type }),
        filename,
      )
      expect(status).toBe(200)
      expectBadInput(body, [
        `image must be an image/* file (got ${type || 'application/octet-stream'})`,
      ])
    })

    it(`refuses an image over ${MAX_IMAGE_BYTES} bytes and accepts exactly that many`, async () => {
      await using sim = await startUploadSim()
      const token = await uploadToken(sim)
      const atLimit = new Uint8Array(MAX_IMAGE_BYTES)
      atLimit.set(PNG)
      const over = await upload(
        sim,
        token,
        new Blob([atLimit, Uint8Array.of(0)], { type: 'image/png' }),
        'big.png',
      )
      expectBadInput(over.body, [
        `image must be at most ${MAX_IMAGE_BYTES} bytes (got ${MAX_IMAGE_BYTES + 1})`,
      ])
      const url = await uploadedUrl(
        sim,
        token,
        new Blob([atLimit], { type: 'image/png' }),
        'big.png',
      )
      const served = await download(url)
      expect(served.bytes.byteLength).toBe(MAX_IMAGE_BYTES)
      expect(served.bytes.subarray(0, PNG.length)).toEqual(PNG)
      expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['error', 'ok'])
    })

    it('lists every problem at once', async () => {
      await using sim = await startUploadSim()
      const { body } = await upload(
        sim,
        await uploadToken(sim),
        new Blob([new Uint8Array(MAX_IMAGE_BYTES + 1)], { type: 'text/plain' }),
        'big.txt',
      )
      expectBadInput(body, [
        'image must be an image/* file (got text/plain)',
        `image must be at most ${MAX_IMAGE_BYTES} bytes (got ${MAX_IMAGE_BYTES + 1})`,
      ])
    })
  })

  describe('needs a GraphQL multipart request', () => {
    it('refuses an image sent as a JSON variable', async () => {
      await using sim = await startUploadSim()
      const { body } = await gql(sim, await uploadToken(sim), UPLOAD, {
        image: btoa(String.fromCharCode(...PNG)),
      })
      expectBadInput(body, [
        'image must be a file sent as a GraphQL multipart request (multipart-request-spec)',
      ])
    })

    it.each([
      [
        'without a map',
        () => {
          const form = new FormData()
          form.set('operations', JSON.stringify({ query: UPLOAD, variables: { image: null } }))
          form.set('0', new Blob([PNG], { type: 'image/png' }), 'logo.png')
          return form
        },
        'A multipart request needs the "operations" and "map" fields (GraphQL multipart request spec)',
      ],
      [
        'whose map names a missing file',
        () => multipartForm(new Blob([PNG], { type: 'image/png' }), 'logo.png', { fileField: '1' }),
        '"map" names "0", which is not a file in the request',
      ],
      [
        'whose map path is not under variables',
        () =>
          multipartForm(new Blob([PNG], { type: 'image/png' }), 'logo.png', {
            map: { 0: ['image'] },
          }),
        '"map" paths must start with "variables." (got "image")',
      ],
      [
        'whose map is not an object',
        () =>
          multipartForm(new Blob([PNG], { type: 'image/png' }), 'logo.png', {
            map: ['variables.image'],
          }),
        '"map" must be an object: { "<file field>": ["variables.<name>"] }',
      ],
      [
        'whose map path reaches Object.prototype',
        () =>
          multipartForm(new Blob([PNG], { type: 'image/png' }), 'logo.png', {
            map: { 0: ['variables.__proto__.polluted'] },
          }),
        '"map" path "variables.__proto__.polluted" is not allowed',
      ],
    ])('refuses a request %s with 400', async (_name, form, message) => {
      await using sim = await startUploadSim()
      const answer = await post(sim, await uploadToken(sim), form())
      expect(answer).toEqual({ status: 400, body: { errors: [{ message }] } })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  })

  it('needs client_imageupload', async () => {
    await using sim = await startUploadSim()
    const token = await getAccessToken(sim, 'client_paymentrequest')
    const { status, body } = await upload(
      sim,
      token,
      new Blob([PNG], { type: 'image/png' }),
      'logo.png',
    )
    expect(status).toBe(200)
    expect(body).toEqual({
      errors: [
        {
          message: 'Token is missing the following scope: client_imageupload',
          locations: expect.any(Array),
          path: ['clientImageUpload'],
          extensions: { code: 'FORBIDDEN', missingScopes: ['client_imageupload'] },
        },
      ],
      data: null,
    })
    expect(sim.apiRequests.map((entry) => entry.outcome)).toEqual(['forbidden'])
  })
})
