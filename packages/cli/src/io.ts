/** Where the CLI writes: `process.stdout`/`process.stderr`, or anything with `write` in tests. */
export interface CliWriter {
  write(chunk: string): unknown
  /** A terminal gets ✔/✘ and colour; anything else gets plain `PASS`/`FAIL`. */
  isTTY?: boolean
}

/** Where the CLI reads a secret or a query from: `process.stdin` or any readable stream. */
export type CliReader = AsyncIterable<string | Uint8Array> & {
  isTTY?: boolean
  setRawMode?(mode: boolean): unknown
  on?(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown
  off?(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown
  resume?(): unknown
  pause?(): unknown
}

/** What `runCli` talks to. Every field defaults to the process's own. */
export interface CliIO {
  env?: Record<string, string | undefined>
  stdin?: CliReader
  stdout?: CliWriter
  stderr?: CliWriter
}

/** The resolved IO of one run; `stdin` is looked up only when a command reads it. */
export interface CliContext {
  env: Record<string, string | undefined>
  stdin: () => CliReader
  stdout: CliWriter
  stderr: CliWriter
  redactor: Redactor
}

const MIN_REDACTED_LENGTH = 6

/**
 * Replaces known secret values (client secret, private key, the token unless the user asked to
 * see it) in everything the CLI writes. Commands never print them on purpose; this is the net
 * under that rule, so a message that quotes a value by accident still cannot leak it.
 */
export class Redactor {
  readonly #values = new Set<string>()

  add(value: string | undefined): void {
    if (value === undefined) return
    const trimmed = value.trim()
    // Very short values would mangle ordinary words; they are not worth guessing anyway.
    if (trimmed.length >= MIN_REDACTED_LENGTH) this.#values.add(trimmed)
  }

  /** A PEM is redacted whole and line by line, in case a single line gets quoted. */
  addPem(pem: string): void {
    this.add(pem)
    for (const line of pem.split(/\r?\n/)) {
      if (line.length >= 16 && !line.startsWith('-----')) this.add(line)
    }
  }

  apply(text: string): string {
    let result = text
    for (const value of this.#values) result = result.replaceAll(value, '[redacted]')
    return result
  }
}

export function redactingWriter(writer: CliWriter, redactor: Redactor): CliWriter {
  return {
    write: (chunk: string) => writer.write(redactor.apply(chunk)),
    ...(writer.isTTY === undefined ? {} : { isTTY: writer.isTTY }),
  }
}

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: CliReader): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}

export class PromptInterruptedError extends Error {
  override name = 'PromptInterruptedError' as const
}

/**
 * Reads one line from a terminal without echoing it, for a secret typed by hand. The prompt
 * goes to stderr so that stdout stays clean for `--raw`.
 */
export function promptHidden(stdin: CliReader, stderr: CliWriter, label: string): Promise<string> {
  const { setRawMode, on, off } = stdin
  if (!setRawMode || !on || !off) return readAll(stdin)
  stderr.write(label)
  setRawMode.call(stdin, true)
  stdin.resume?.()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = () => {
      off.call(stdin, 'data', onData)
      setRawMode.call(stdin, false)
      stdin.pause?.()
      stderr.write('\n')
    }
    const onData = (chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk)
      for (const character of text) {
        if (character === '\r' || character === '\n' || character === '\u0004') {
          finish()
          resolve(value)
          return
        }
        if (character === '\u0003') {
          finish()
          reject(new PromptInterruptedError('Interrupted'))
          return
        }
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1)
        else value += character
      }
    }
    on.call(stdin, 'data', onData)
  })
}
