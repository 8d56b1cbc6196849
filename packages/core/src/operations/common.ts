// Schemas the catalog's operations share: Stitch's scalars and the inputs several domains use.
// The shared schemas below are made when this module loads, so each is marked pure (and so is
// every call in it): the root entry reaches this module (through the payment-request factories
// of the proxy), and an app that uses neither must not keep zod for them.
import { z } from 'zod'

/** A string with a documented length limit, and a message that names it. */
export function text(limits: { min?: number; max: number }) {
  const min = limits.min ?? 1
  return z
    .string()
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(limits.max, `must be at most ${limits.max} characters`)
}

/**
 * Stitch's `MoneyInput`. The quantity may be given as a number (150) or a Decimal string
 * ("150.00"); it is sent as a Decimal string with two decimals ("150.00"), as Stitch documents
 * `Decimal` ("encoded as a string"). The conversion works on the digits, never through floating
 * point, so what is checked is what is sent.
 */
export const moneyInput = /* @__PURE__ */ z.object({
  quantity: /* @__PURE__ */ decimalQuantity({ signed: false }),
  currency: /* @__PURE__ */ currency(),
})

/**
 * A `MoneyInput` that may be negative: "adjustmentAmount … Can be negative" (Stitch). Sent
 * like `moneyInput`: a Decimal string with two decimals, converted on the digits. Not 0.
 */
export function signedMoneyInput() {
  return z.object({ quantity: decimalQuantity({ signed: true }), currency: currency() })
}

function currency() {
  return z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as ZAR')
    .default('ZAR')
}

function decimalQuantity({ signed }: { signed: boolean }) {
  const sign = signed ? '-?' : ''
  const example = signed ? '15, -15 or "-15.00"' : '150 or "150.00"'
  return z
    .union([z.number(), z.string()], `must be an amount such as ${example}`)
    .transform(String)
    .pipe(
      z
        .string()
        .regex(new RegExp(`^${sign}\\d+(\\.\\d+)?$`), {
          message: `must be ${signed ? 'an' : 'a positive'} amount such as ${example}`,
          abort: true,
        })
        .regex(new RegExp(`^${sign}\\d+(\\.\\d{1,2})?$`), {
          message: 'must have at most 2 decimals',
          abort: true,
        })
        .refine((value) => /[1-9]/.test(value), signed ? 'must not be 0' : 'must be more than 0'),
    )
    .transform(twoDecimals)
}

function twoDecimals(value: string): string {
  const [whole = '0', fraction = ''] = value.split('.')
  return `${whole}.${fraction.padEnd(2, '0')}`
}

/** Stitch's `Money` scalar as the API answers it. */
export const money = /* @__PURE__ */ z.object({
  quantity: /* @__PURE__ */ z
    .union([/* @__PURE__ */ z.string(), /* @__PURE__ */ z.number()])
    .transform(String),
  currency: /* @__PURE__ */ z.string(),
})

/** An amount of money as Stitch answers it: a Decimal string and a currency code. */
export type Money = z.output<typeof money>

/**
 * A mutation's `nonce`: Stitch refuses a second request with the same one. Generated when the
 * caller gives none; give your own (derived from your record, e.g. `refund-<order id>`) to make
 * a retry after a lost answer safe. At most 4096 characters, as Stitch documents.
 */
export const nonce = /* @__PURE__ */ z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .default(() => globalThis.crypto.randomUUID())

/** Stitch's `Date` scalar: an ISO 8601 string (normalised to UTC by Stitch). */
export const isoDate = /* @__PURE__ */ z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time',
})

/** Two-letter ISO 3166-1 country code (`CountryCode`). */
export const countryCode = /* @__PURE__ */ z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as ZA')

/** Stitch's `IdentifyingDocumentInput`: exactly one of its documents. */
export const identifyingDocument = /* @__PURE__ */ z
  .object({
    identityDocument: /* @__PURE__ */ document(),
    passport: /* @__PURE__ */ document(),
    temporaryResidenceId: /* @__PURE__ */ document(),
  })
  .refine(
    (value) => Object.values(value).filter((item) => item !== undefined).length === 1,
    'give exactly one of identityDocument, passport or temporaryResidenceId',
  )

function document() {
  const number = z
    .string()
    .regex(/\S/, 'must not be empty')
    .max(64, 'must be at most 64 characters')
  return z.object({ country: countryCode, number }).optional()
}

/** A value read from Stitch that may be absent or null; both read as `undefined`. */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? undefined)
}

/**
 * A value made on first use. The catalog's schemas are made this way (and each operation's
 * `variables` is a function) so that nothing runs when a module loads: a bundler can then drop
 * every operation an app does not import, even one in the same file as one it does.
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined
  return () => {
    made ??= { value: make() }
    return made.value
  }
}
