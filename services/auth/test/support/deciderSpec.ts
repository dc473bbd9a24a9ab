/** Decider specifications: see shared/src/testing/decider-spec.ts. */
export { deciderSpec, stateAfter } from '@cairn/shared/testing';
