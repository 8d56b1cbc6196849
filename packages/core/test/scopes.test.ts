import { describe, expect, it } from 'vitest'
import {
  createStitchAuth,
  normalizeScopes,
  STITCH_SCOPES,
  StitchConfigError,
} from '../src/index.js'
import { closestScope } from '../src/scopes.js'

describe('scopes', () => {
  it('documents the eight client scopes', () => {
    expect(STITCH_SCOPES).toHaveLength(8)
  })

  it('normalises a scope set: deduplicated, sorted, space-joined', () => {
    expect(normalizeScopes(['client_refund', 'client_paymentrequest', 'client_refund'])).toEqual({
      scopes: ['client_paymentrequest', 'client_refund'],
      scope: 'client_paymentrequest client_refund',
    })
  })

  it('suggests the nearest documented scope for a typo', () => {
    expect(closestScope('client_paymentrequests')).toBe('client_paymentrequest')
    expect(closestScope('paymentrequest')).toBe('client_paymentrequest')
    expect(closestScope('client_refnud')).toBe('client_refund')
    expect(closestScope('something_else_entirely')).toBeUndefined()
  })

  it('rejects an unknown scope with the valid list and a suggestion', () => {
    const create = () =>
      createStitchAuth({
        clientId: 'id',
        clientSecret: 'secret',
        scopes: ['client_paymentrequests' as 'client_paymentrequest'],
      })
    expect(create).toThrow(StitchConfigError)
    expect(create).toThrow(
      /unknown scope "client_paymentrequests"\. Did you mean "client_paymentrequest"\?/,
    )
    expect(create).toThrow(/Valid scopes: client_paymentrequest, client_bankaccountverification/)
    expect(create).toThrow(/allowUnknownScopes: true/)
  })

  it('accepts scopes Stitch adds later with allowUnknownScopes', () => {
    const stitch = createStitchAuth({
      clientId: 'id',
      clientSecret: 'secret',
      allowUnknownScopes: true,
      scopes: ['client_futurefeature'],
    })
    expect(stitch.options.defaultScopes?.scopes).toEqual(['client_futurefeature'])
  })

  it('rejects empty lists, blanks and whitespace inside a scope', () => {
    for (const scopes of [[], [''], ['client_refund client_paymentrequest']]) {
      expect(() =>
        createStitchAuth({ clientId: 'id', clientSecret: 's', scopes: scopes as never }),
      ).toThrow(StitchConfigError)
    }
  })
})
