import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  parseStitchWebhookEvent,
  STITCH_WEBHOOK_EVENT_TYPES,
  type StitchWebhookEvent,
} from '../../src/webhooks/index.js'
import { envelope, PAYMENT_BODY, paymentNode, REFUND_BODY } from './helpers.js'

const parse = (body: string, eventTypes?: readonly string[]) =>
  parseStitchWebhookEvent(JSON.parse(body), eventTypes ? { eventTypes } : {})

describe('typed events', () => {
  it('reads a payment event from its subscription edge', () => {
    const event = parse(PAYMENT_BODY)
    expect(event).toMatchObject({
      type: 'payment',
      known: true,
      eventId: 'ZXZlbnQvMQ==',
      subscriptionId: 'c3ViLzE=',
      time: '2025-03-01T10:00:00.000Z',
      data: {
        id: 'cGF5cmVxLzEyMw==',
        externalReference: 'order-42',
        amount: { quantity: '150.00', currency: 'ZAR' },
        state: { __typename: 'PaymentInitiationRequestCompleted' },
        paymentConfirmation: undefined,
      },
    })
    if (event.known && event.type === 'payment') {
      expectTypeOf(event.data.state.__typename).toEqualTypeOf<
        | 'PaymentInitiationRequestPending'
        | 'PaymentInitiationRequestCompleted'
        | 'PaymentInitiationRequestManuallyCompleted'
        | 'PaymentInitiationRequestCancelled'
        | 'PaymentInitiationRequestExpired'
        | (string & {})
      >()
      expectTypeOf(event.data.externalReference).toEqualTypeOf<string | undefined>()
    }
  })

  it('keeps fields it does not model, and reads a numeric quantity as a string', () => {
    const event = parse(
      envelope(
        'paymentInitiationRequests',
        paymentNode('PaymentInitiationRequestCancelled', {
          amount: { quantity: 1, currency: 'ZAR' },
          state: { __typename: 'PaymentInitiationRequestCancelled', reason: 'payer left' },
          somethingNew: { nested: true },
        }),
      ),
    )
    expect(event).toMatchObject({
      known: true,
      data: {
        amount: { quantity: '1' },
        state: { reason: 'payer left' },
        somethingNew: { nested: true },
      },
    })
  })

  it('lets a status Stitch adds later through, typed as a string', () => {
    const event = parse(
      envelope('paymentInitiationRequests', paymentNode('PaymentInitiationRequestRefunded')),
    )
    expect(event).toMatchObject({
      known: true,
      data: { state: { __typename: 'PaymentInitiationRequestRefunded' } },
    })
  })

  it('tells payment.confirmation from payment by its confirmation status (a guess)', () => {
    for (const [confirmation, type] of [
      [null, 'payment'],
      [{ __typename: 'PaymentPending' }, 'payment'],
      [{ __typename: 'PaymentReceived', date: '2025-03-02T00:00:00.000Z' }, 'payment.confirmation'],
      [{ __typename: 'PaymentUnsettled' }, 'payment.confirmation'],
    ] as const) {
      const body = envelope(
        'paymentInitiationRequests',
        paymentNode('PaymentInitiationRequestCompleted', { paymentConfirmation: confirmation }),
      )
      expect(parse(body)).toMatchObject({ type, known: true })
    }
  })

  it("uses the endpoint's subscription when it holds one of the two", () => {
    const received = envelope(
      'paymentInitiationRequests',
      paymentNode('PaymentInitiationRequestCompleted', {
        paymentConfirmation: { __typename: 'PaymentReceived' },
      }),
    )
    expect(parse(received, ['payment', 'refund'])).toMatchObject({ type: 'payment', known: true })
    expect(parse(PAYMENT_BODY, ['payment.confirmation'])).toMatchObject({
      type: 'payment.confirmation',
      known: false,
      reason: 'schema-mismatch',
      issues: [{ path: 'paymentConfirmation', message: expect.any(String) }],
    })
    expect(parse(received, ['payment', 'payment.confirmation'])).toMatchObject({
      type: 'payment.confirmation',
    })
  })

  it.each([
    [
      'refunds',
      'refund',
      { __typename: 'Refund', id: 'r1', status: { __typename: 'RefundError', reason: 'x' } },
    ],
    [
      'disbursements',
      'disbursement',
      {
        id: 'd1',
        status: { __typename: 'DisbursementReversed' },
        bankBeneficiary: { bankId: 'absa' },
      },
    ],
    [
      'settlements',
      'settlement',
      { id: 's1', status: { __typename: 'SettlementFailed', settlementFailedReason: 'closed' } },
    ],
    [
      'paymentConsentRequests',
      'payment-consent-request',
      { id: 'c1', status: { __typename: 'PaymentConsentGranted', isPendingRevocation: false } },
    ],
    ['transactions', 'transaction', { id: 't1', status: { __typename: 'TransactionSuccess' } }],
  ])('reads the %s edge as %s', (edge, type, node) => {
    expect(parse(envelope(edge, node))).toMatchObject({ type, known: true, data: node })
  })

  it('reads a refund with its payment request', () => {
    const event = parse(REFUND_BODY)
    expect(event).toMatchObject({
      type: 'refund',
      known: true,
      data: {
        status: { __typename: 'RefundCompleted' },
        paymentInitiationRequest: { id: 'cGF5cmVxLzEyMw==' },
      },
    })
  })

  it('reads a body that names its type, or is the object itself (guesses: Stitch shows neither)', () => {
    expect(
      parseStitchWebhookEvent({
        type: 'refund',
        data: { id: 'r1', status: { __typename: 'RefundPending' } },
      }),
    ).toMatchObject({ type: 'refund', known: true, data: { id: 'r1' } })
    expect(
      parseStitchWebhookEvent({
        __typename: 'Disbursement',
        id: 'd1',
        status: { __typename: 'DisbursementPending' },
      }),
    ).toMatchObject({ type: 'disbursement', known: true, eventId: undefined })
    expect(
      parseStitchWebhookEvent({ eventType: 'payment', ...JSON.parse(PAYMENT_BODY) }),
    ).toMatchObject({ type: 'payment', known: true })
  })
})

describe('the escape hatch', () => {
  it('delivers a deprecated type by name, untyped', () => {
    const node = { __typename: 'DirectDeposit', id: 'dd1' }
    expect(parse(envelope('directDeposits', node))).toEqual({
      type: 'direct-deposit',
      known: false,
      reason: 'unknown-type',
      issues: [],
      data: node,
      eventId: 'ZXZlbnQvMQ==',
      subscriptionId: 'c3ViLzE=',
      time: '2025-03-01T10:00:00.000Z',
      payload: JSON.parse(envelope('directDeposits', node)),
    })
    expect(parse(envelope('paymentInitiations', { id: 'p1' }))).toMatchObject({
      type: 'payment-initiation',
      known: false,
    })
  })

  it('delivers an edge it does not know with no type, and its node as data', () => {
    expect(parse(envelope('payoutBatches', { id: 'b1' }))).toMatchObject({
      type: undefined,
      known: false,
      reason: 'unknown-type',
      data: { id: 'b1' },
    })
  })

  it('delivers a type Stitch names but this version does not know', () => {
    expect(parseStitchWebhookEvent({ type: 'payout.created', data: { id: 'x' } })).toMatchObject({
      type: 'payout.created',
      known: false,
      reason: 'unknown-type',
    })
  })

  it('delivers any other JSON object whole', () => {
    const payload = { hello: 'world' }
    expect(parseStitchWebhookEvent(payload)).toMatchObject({
      type: undefined,
      known: false,
      data: payload,
      payload,
    })
  })

  it('delivers a known type whose object does not match, with the issues (paths, not values)', () => {
    const event = parse(envelope('refunds', { id: 7, status: 'done', secretish: 'value-xyz' }))
    expect(event).toMatchObject({ type: 'refund', known: false, reason: 'schema-mismatch' })
    expect(event.known ? [] : event.issues.map((issue) => issue.path)).toEqual(['id', 'status'])
    expect(JSON.stringify(event.known ? [] : event.issues)).not.toContain('value-xyz')
  })

  it('narrows: an unknown event is never passed off as a known one', () => {
    const event = parse(PAYMENT_BODY) as StitchWebhookEvent
    if (!event.known) expectTypeOf(event.data).toBeUnknown()
    expect(STITCH_WEBHOOK_EVENT_TYPES).toEqual([
      'payment',
      'payment.confirmation',
      'payment-consent-request',
      'transaction',
      'refund',
      'disbursement',
      'settlement',
    ])
  })
})
