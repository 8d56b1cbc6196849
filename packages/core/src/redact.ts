const VISIBLE_CHARACTERS = 6

/** Shows a token as its first few characters and an ellipsis: enough to tell tokens apart in logs. */
export function redactToken(token: string): string {
  // Short tokens would be given away whole by a fixed-length prefix.
  const visible = Math.min(VISIBLE_CHARACTERS, Math.floor(token.length / 4))
  return `${token.slice(0, visible)}…`
}

/**
 * Makes text that came from a server safe to put in an error: every known secret (and its
 * URL- and JSON-encoded forms) becomes `[redacted]`, and every long unbroken run of mixed
 * characters (the shape of a token, a key or a secret nobody told us about) is cut to a short
 * preview.
 */
export function scrubServerText(text: string, known: readonly string[] = []): string {
  let scrubbed = text
  for (const secret of known) {
    if (secret.length < 4) continue
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ])) {
      scrubbed = scrubbed.replaceAll(form, '[redacted]')
    }
  }
  return scrubbed.replace(/[^\s'"`<>()[\]{},;:]{16,}/g, (run) =>
    READABLE_WORDS.test(run) || FIELD_PATH.test(run) ? run : redactToken(run),
  )
}

// Lower-case words joined by _ . - (scope names, error codes, host names) stay readable.
const READABLE_WORDS = /^[a-z]+([._-][a-z]+)*$/
// So do the field paths of a validation message (`input.initialPayment.amount`,
// `input.bankAccounts.0.name`): dotted camelCase names (each capital starts a lower-case word)
// and small list positions. Random token characters almost never take that shape, and known
// secrets were replaced above whatever their shape.
const FIELD_NAME = '[a-z]+(?:[A-Z][a-z]+)*'
const FIELD_PATH = new RegExp(`^${FIELD_NAME}(?:\\.(?:${FIELD_NAME}|\\d{1,4}))+$`)

/** The symbol Node's `util.inspect` looks for, reached without importing `node:util`. */
export const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never

/**
 * Holds a secret so that logging, JSON or string conversion never shows it.
 * Read it with `reveal()` at the one place it is sent.
 */
export class Secret<T = string> {
  readonly #value: T

  constructor(value: T) {
    this.#value = value
  }

  reveal(): T {
    return this.#value
  }

  toJSON(): string {
    return '[redacted]'
  }

  toString(): string {
    return '[redacted]'
  }

  [inspectSymbol](): string {
    return 'Secret([redacted])'
  }
}
