import { describe, expect, it } from 'vitest';
import { assertEphemeralSubject, isEventSubject, matchesSubject } from '../../src/bus/subjects.js';

describe('subject matching (NATS semantics)', () => {
  it.each([
    ['cairn.auth.>', 'cairn.auth.user.registered.v1', true],
    ['cairn.auth.>', 'cairn.auth', false],
    ['cairn.*.user.*.v1', 'cairn.auth.user.registered.v1', true],
    ['cairn.*.user.*.v1', 'cairn.auth.user.registered.v2', false],
    ['cairn.*', 'cairn.auth.user', false],
    ['cairn.notify.user.*', 'cairn.notify.user.u1', true],
    ['>', 'anything.at.all', true],
    ['a.b', 'a.b', true],
    ['a.b', 'a.b.c', false],
  ])('%s matches %s: %s', (filter, subject, expected) => {
    expect(matchesSubject(filter, subject)).toBe(expected);
  });
});

describe('event subjects', () => {
  it('accepts cairn.<service>.<entity>.<event>.v<N> only', () => {
    expect(isEventSubject('cairn.auth.user.registered.v1')).toBe(true);
    expect(isEventSubject('cairn.tasks.credit-ledger.debited.v12')).toBe(true);
    expect(isEventSubject('cairn.rpc.auth.login.v1')).toBe(false);
    expect(isEventSubject('cairn.notify.user.u1.v1')).toBe(false);
    expect(isEventSubject('cairn.auth.user.registered')).toBe(false);
    expect(isEventSubject('cairn.auth.user.registered.1')).toBe(false);
    expect(isEventSubject('other.auth.user.registered.v1')).toBe(false);
  });

  it('keeps ephemeral publishes out of the events stream', () => {
    expect(() => assertEphemeralSubject('cairn.notify.user.u1')).not.toThrow();
    expect(() => assertEphemeralSubject('cairn.any.five.token.subject')).toThrow(/events stream/);
    expect(() => assertEphemeralSubject('cairn.notify.>')).toThrow(/wildcards/);
  });
});
