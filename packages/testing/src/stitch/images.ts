import type { UploadedFile } from '../graphql-endpoint.js'
import type { SimulatorState } from '../state.js'
import { newId, type StitchDomain, throwIfBadInput } from './kit.js'

const SCOPES = ['client_imageupload'] as const

/** A simulator guess: Stitch documents no size or type limits for uploaded images. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024

/** An image a client uploaded; the simulator serves it at `/files/<id>`. */
export interface SimulatedUpload {
  clientId: string
  filename: string
  mimetype: string
  bytes: Uint8Array
}

export const images: StitchDomain = {
  sdl: /* GraphQL */ `
    "A scalar type representing a file. This type is used for file upload and follows the multipart-request-spec"
    scalar Upload

    scalar MimeType

    "The location and metadata of an uploaded file."
    type FileUploadPayload {
      filename: String!
      mimetype: MimeType!
      encoding: String!
      "The uploaded file can be retrieved via this URL. File downloads do not require authorization"
      url: URL!
    }

    extend type Mutation {
      "Uploads an image to the client image store. The image is replaced if it has the same filename as an existing file."
      clientImageUpload(image: Upload!): FileUploadPayload!
    }
  `,
  fields: {
    'Mutation.clientImageUpload': {
      scopes: SCOPES,
      resolve: (_source, { image }: { image: unknown }, context) => {
        const { state } = context
        const problems: string[] = []
        if (!isUploadedFile(image)) {
          problems.push(
            'image must be a file sent as a GraphQL multipart request (multipart-request-spec)',
          )
        } else {
          if (image.filename.trim() === '') problems.push('image must have a filename')
          if (!/^image\/[\w.+-]+$/i.test(image.mimetype)) {
            problems.push(`image must be an image/* file (got ${image.mimetype})`)
          }
          if (image.bytes.byteLength > MAX_IMAGE_BYTES) {
            problems.push(
              `image must be at most ${MAX_IMAGE_BYTES} bytes (got ${image.bytes.byteLength})`,
            )
          }
        }
        throwIfBadInput(problems)
        const file = image as UploadedFile
        const clientId = context.token.clientId
        // "The image is replaced if it has the same filename as an existing file": it keeps its URL.
        const id =
          [...state.uploads].find(
            ([, upload]) => upload.clientId === clientId && upload.filename === file.filename,
          )?.[0] ?? newId('upload')
        state.uploads.set(id, {
          clientId,
          filename: file.filename,
          mimetype: file.mimetype,
          bytes: file.bytes,
        })
        return {
          filename: file.filename,
          mimetype: file.mimetype,
          encoding: file.encoding,
          url: `${state.baseUrl}/files/${id}`,
        }
      },
    },
  },
}

/** An uploaded image by id, for any caller: "Images can be retrieved without authorization". */
export function findUpload(state: SimulatorState, id: string): SimulatedUpload | undefined {
  return state.uploads.get(id)
}

function isUploadedFile(value: unknown): value is UploadedFile {
  if (value === null || typeof value !== 'object') return false
  const file = value as Partial<UploadedFile>
  return (
    typeof file.filename === 'string' &&
    typeof file.mimetype === 'string' &&
    typeof file.encoding === 'string' &&
    file.bytes instanceof Uint8Array
  )
}
