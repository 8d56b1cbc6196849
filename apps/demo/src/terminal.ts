// Console output: bold and dim when the terminal shows them, plain otherwise (NO_COLOR, pipes).
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR

const wrap = (open: string) => (text: string) => (colour ? `\x1b[${open}m${text}\x1b[0m` : text)

export const bold = wrap('1')
export const dim = wrap('2')
export const green = wrap('32')
export const yellow = wrap('33')
export const red = wrap('31')
export const cyan = wrap('36')

export const say = (text = ''): void => {
  process.stdout.write(`${text}\n`)
}

export const clock = (at: number): string => new Date(at).toTimeString().slice(0, 8)
