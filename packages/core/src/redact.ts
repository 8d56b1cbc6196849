const VISIBLE_CHARACTERS = 6

/** Shows a token as its first few characters and an ellipsis: enough to tell tokens apart in logs. */
export function redactToken(token: string): string {
  // Short tokens would be given away whole by a fixed-length prefix.
  const visible = Math.min(VISIBLE_CHARACTERS, Math.floor(token.length / 4))
  return `${token.slice(0, visible)}…`
}

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
