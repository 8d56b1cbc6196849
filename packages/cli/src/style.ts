import type { CliWriter } from './io.js'

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

/** How results look: symbols and colour on a terminal, plain words everywhere else. */
export interface Style {
  readonly fancy: boolean
  mark(status: CheckStatus): string
  bold(text: string): string
  dim(text: string): string
}

const SYMBOLS: Record<CheckStatus, string> = { pass: '✔', fail: '✘', warn: '⚠', skip: '–' }
const WORDS: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  skip: 'SKIP',
}
const COLORS: Record<CheckStatus, number> = { pass: 32, fail: 31, warn: 33, skip: 90 }

/**
 * Symbols and colour only on a terminal and without `NO_COLOR` (https://no-color.org): logs and
 * CI output stay greppable as `PASS`/`FAIL`.
 */
export function styleFor(writer: CliWriter, env: Record<string, string | undefined>): Style {
  const fancy = writer.isTTY === true && !env.NO_COLOR
  const paint = (code: number, text: string) => (fancy ? `\u001b[${code}m${text}\u001b[0m` : text)
  return {
    fancy,
    mark: (status) => (fancy ? paint(COLORS[status], SYMBOLS[status]) : WORDS[status]),
    bold: (text) => paint(1, text),
    dim: (text) => paint(2, text),
  }
}

/** `42 ms`, `3.1 s`, `12 min`, `2 h 5 min`: durations people read at a glance. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 1000) return `${Math.round(abs)} ms`
  if (abs < 60_000) return `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`
  const minutes = Math.round(abs / 60_000)
  if (minutes < 120) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}
