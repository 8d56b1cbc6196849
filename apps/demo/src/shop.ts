// The shop's catalogue and the Stitch operations its checkout page may call. Everything that
// decides where money goes (beneficiary, amount) lives here, on the server.
import { defineOperation, defineOperations, exposeOperation } from '@stitch-auth/core'
import { cancelPaymentRequest } from '@stitch-auth/core/operations'
import {
  createPaymentRequestOperation,
  type PaymentBeneficiary,
  paymentRequestStatusOperation,
} from '@stitch-auth/core/proxy'

export const SHOP = {
  name: 'Karoo Tea Co.',
  product: {
    name: 'Rooibos & honey gift box',
    description: '250 g loose-leaf rooibos, a jar of Karoo honey and a travel tin',
    quantity: 1,
    /** In rand. The browser shows it; the server charges it, whatever the browser sends. */
    price: 150,
  },
} as const

const BENEFICIARY: PaymentBeneficiary = {
  name: 'Karoo Tea Co',
  bankId: 'fnb',
  accountNumber: '62000000000',
}

export interface CreatedPayment {
  id: string
  url: string
  reference: string
}

/**
 * The operations behind `/stitch`: the ready-made "create a payment request" (beneficiary and
 * amount fixed here), "read its status", and "cancel it" for the payer. `onCreated` and
 * `onCancelled` let the demo report each payment. Refunds are not here: they move money out,
 * so only the back office makes them, on the server.
 */
export function shopOperations(
  hooks: {
    onCreated?: (payment: CreatedPayment) => void
    onCancelled?: (payment: { id: string; reference: string }) => void
  } = {},
) {
  // The payment requests this shop created: only those may be cancelled from the page. A real
  // shop ties each to the signed-in user's order instead, so one shopper cannot cancel another's.
  const created = new Map<string, string>() // id → order reference
  const create = createPaymentRequestOperation({
    beneficiary: BENEFICIARY,
    beneficiaryReference: 'KarooTea',
    // The price comes from the catalogue, not from the browser's `amount`.
    resolveAmount: () => SHOP.product.price * SHOP.product.quantity,
  })
  const status = paymentRequestStatusOperation()
  return defineOperations({
    createPaymentRequest: defineOperation({
      ...create,
      toOutput: async (data, input) => {
        const payment = await create.toOutput(data, input)
        created.set(payment.id, input.reference)
        hooks.onCreated?.({ ...payment, reference: input.reference })
        return payment
      },
    }),
    paymentStatus: status,
    cancelPayment: exposeOperation(cancelPaymentRequest, {
      // The same `{ id }` as paymentStatus takes (the demo has no zod of its own).
      input: status.input,
      authorize: (_call, { id }) => created.has(id),
      toVariables: ({ id }) => ({ input: { requestId: id, reason: 'Cancelled by the payer' } }),
      toOutput: ({ id }) => {
        hooks.onCancelled?.({ id, reference: created.get(id) ?? id })
        return { id, status: 'cancelled' as const }
      },
    }),
  })
}

/** What the browser client is typed with: `createStitchProxyClient<ShopOperations>()`. */
export type ShopOperations = ReturnType<typeof shopOperations>
