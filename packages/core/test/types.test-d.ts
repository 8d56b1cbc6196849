import { describe, expectTypeOf, it } from 'vitest'
import * as core from '../src/index.js'
import {
  createStitchAuth,
  type ResolvedStitchAuthOptions,
  type StitchAuth,
  type StitchScope,
  type StitchToken,
} from '../src/index.js'

describe('types', () => {
  it('types scopes as the documented union', () => {
    const stitch = createStitchAuth({ clientId: 'a', clientSecret: 'b', scopes: ['client_refund'] })
    expectTypeOf(stitch).toEqualTypeOf<StitchAuth<StitchScope, 'client_refund'>>()
    // A client whose scopes are written out is still a `StitchAuth` wherever one is expected.
    expectTypeOf(stitch).toExtend<StitchAuth>()
    expectTypeOf(stitch.getToken).parameter(0).toEqualTypeOf<readonly StitchScope[] | undefined>()
    expectTypeOf(stitch.getToken()).resolves.toEqualTypeOf<StitchToken>()
    // @ts-expect-error a misspelt scope does not compile
    createStitchAuth({ clientId: 'a', clientSecret: 'b', scopes: ['client_refnud'] })
    // @ts-expect-error nor in getToken
    void stitch.getToken(['client_paymentrequests'])
  })

  it('accepts any string scope with allowUnknownScopes', () => {
    const stitch = createStitchAuth({
      clientId: 'a',
      clientSecret: 'b',
      allowUnknownScopes: true,
      scopes: ['client_newthing'],
    })
    expectTypeOf(stitch.getToken).toBeCallableWith(['client_other'])
  })

  it('shows the resolved options without credentials or internals', () => {
    const stitch = createStitchAuth({ clientId: 'a', clientSecret: 'b' })
    expectTypeOf(stitch.options).toEqualTypeOf<ResolvedStitchAuthOptions>()
    expectTypeOf(stitch.options).not.toHaveProperty('credentials')
    expectTypeOf(stitch.options).not.toHaveProperty('fetch')
    expectTypeOf(stitch.options).not.toHaveProperty('cache')
    expectTypeOf(stitch.options.authentication).toEqualTypeOf<
      'client_secret_post' | 'private_key_jwt'
    >()
    // The class that reveals a secret is not part of the package.
    expectTypeOf(core).not.toHaveProperty('Secret')
  })

  it('exposes the token fields users rely on', () => {
    expectTypeOf<StitchToken['accessToken']>().toEqualTypeOf<string>()
    expectTypeOf<StitchToken['tokenType']>().toEqualTypeOf<'Bearer'>()
    expectTypeOf<StitchToken['expiresAt']>().toEqualTypeOf<Date>()
    expectTypeOf<StitchToken['authorizationHeader']>().toEqualTypeOf<string>()
  })
})
