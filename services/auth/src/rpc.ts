/** Validation at the service's edge: every payload is parsed with the contract's zod schema first. */
export { operation } from '@cairn/shared/runtime';
