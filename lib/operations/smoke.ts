/**
 * What `npm run smoke` stores, so other parts can recognise it: the synthetic call it writes, reads
 * back and erases on every run, under a number no real caller has.
 */

/**
 * North American numbers 555-0100 to 555-0199 are reserved for fictional use (NANPA), so no real
 * caller is ever filed under this one.
 */
export const SMOKE_NUMBER = '+12015550199';

/** Every smoke call's id starts with this. */
export const SMOKE_ID_PREFIX = 'smoke-';

/** A call `npm run smoke` wrote (the forwarder need not push it to Cekura). */
export function isSmokeCall(call: { id: string; customer: { number: string } }): boolean {
  return call.customer.number === SMOKE_NUMBER && call.id.startsWith(SMOKE_ID_PREFIX);
}
