import { defineConfig } from 'tsup'
import { binBuild, libraryBuild } from '../../tsup.shared.js'

export default defineConfig([...libraryBuild({ entry: ['src/index.ts'] }), binBuild('src/cli.ts')])
