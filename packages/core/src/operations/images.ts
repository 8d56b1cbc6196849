import { z } from 'zod'
import { defineApiOperation } from '../api-operation.js'
import { lazy } from './common.js'

/**
 * The image to upload: a `File` or `Blob` with an `image/*` type. Stitch's field uploads an
 * image to the client image store, and a Blob without a type would be sent as
 * `application/octet-stream`. Stitch documents no size limit, so none is applied here.
 */
const image = /* @__PURE__ */ lazy(() =>
  z
    .custom<Blob>(
      (value) => typeof Blob !== 'undefined' && value instanceof Blob,
      'must be a File or Blob',
    )
    .superRefine((blob, context) => {
      if (blob.size === 0) {
        context.addIssue({ code: 'custom', message: 'must not be empty (0 bytes)' })
      }
      if (!/^image\/[\w.+-]+$/i.test(blob.type)) {
        context.addIssue({
          code: 'custom',
          message: `must have an image/* type, e.g. image/png (got ${blob.type === '' ? 'none' : JSON.stringify(blob.type)})`,
        })
      }
    }),
)

const uploaded = /* @__PURE__ */ lazy(() =>
  z.object({
    clientImageUpload: z.object({
      filename: z.string(),
      mimetype: z.string(),
      encoding: z.string(),
      url: z.string(),
    }),
  }),
)

/** An uploaded image: where it is served (without authorization) and what it was sent as. */
export type UploadedImage = z.output<ReturnType<typeof uploaded>>['clientImageUpload']

/**
 * Uploads an image to the client's image store (`client_imageupload`), as a GraphQL multipart
 * request. Stitch replaces an image with the same filename, so give a `File` with its own
 * name; a bare `Blob` is sent as `upload`. Anyone with the returned `url` can fetch the image.
 *
 * @example
 * const logo = new File([await readFile('logo.png')], 'logo.png', { type: 'image/png' })
 * const { url } = await stitch.run(uploadImage, { image: logo })
 */
export const uploadImage = /* @__PURE__ */ defineApiOperation({
  name: 'UploadImage',
  document: /* GraphQL */ `
    mutation UploadImage($image: Upload!) {
      clientImageUpload(image: $image) { filename mimetype encoding url }
    }
  `,
  scopes: ['client_imageupload'],
  variables: () => z.object({ image: image() }),
  files: (variables) => ({ image: variables.image }),
  result: (data): UploadedImage => uploaded().parse(data).clientImageUpload,
})
