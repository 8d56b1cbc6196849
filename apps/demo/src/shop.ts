// The shop's catalogue and the Stitch operations its checkout page may call. Everything that
// decides where money goes (beneficiary, amount) lives here, on the server.
import {
  createPaymentRequestOperation,
  defineOperation,
  defineOperations,
  type PaymentBeneficiary,
  paymentRequestStatusOperation,
} from '@stitch-auth/core'

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
 * amount fixed here) and "read its status". `onCreated` lets the demo report each payment.
 */
export function shopOperations(hooks: { onCreated?: (payment: CreatedPayment) => void } = {}) {
  const create = createPaymentRequestOperation({
    beneficiary: BENEFICIARY,
    beneficiaryReference: 'KarooTea',
    // The price comes from the catalogue, not from the browser's `amount`.
    resolveAmount: () => SHOP.product.price * SHOP.product.quantity,
  })
  return defineOperations({
    createPaymentRequest: defineOperation({
      ...create,
      toOutput: async (data, input) => {
        const created = await create.toOutput(data, input)
        hooks.onCreated?.({ ...created, reference: input.reference })
        return created
      },
    }),
    paymentStatus: paymentRequestStatusOperation(),
  })
}

/** What the browser client is typed with: `createStitchProxyClient<ShopOperations>()`. */
export type ShopOperations = ReturnType<typeof shopOperations>
