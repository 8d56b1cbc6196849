/**
 * Stitch's client-token API as typed operations, the same catalog as
 * `@stitch-auth/core/operations`: run one with `fastify.stitch.run(operation, variables)`, or
 * serve one to the browser with `exposeOperation`.
 *
 * @packageDocumentation
 */
export * from '@stitch-auth/core/operations'
