/** jsonCopy must give exactly what a JSON round trip gives: the in-process bus relies on it for NATS parity. */
import { describe, expect, it } from 'vitest';
import { jsonCopy } from '../../src/bus/json-copy.js';

const roundTrip = (value: unknown): unknown => {
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? undefined : JSON.parse(text);
};

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get sum(): number {
    return this.x + this.y;
  }
}

const withToJson = { toJSON: (key: string) => ({ key, nested: { toJSON: () => 'inner' } }) };
const proto = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
const deep: Record<string, unknown> = {};
let cursor = deep;
for (let i = 0; i < 200; i++) {
  const next: Record<string, unknown> = {};
  cursor.next = next;
  cursor = next;
}

const cases: Array<[string, unknown]> = [
  ['a user view', { id: 'u-1', roleIds: ['r'], orgId: null, version: 3, at: new Date('2030-01-01T00:00:00Z') }],
  ['primitives at the top', 'text'],
  ['a number', 42.5],
  ['null', null],
  ['undefined', undefined],
  ['a function', () => 1],
  ['non-finite numbers and -0', { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -0, d: [Number.NaN, -0] }],
  [
    'undefined, functions and symbols',
    { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t')] },
  ],
  // biome-ignore lint/suspicious/noSparseArray: a hole is the point of this case
  ['sparse arrays', [1, , 3]],
  ['an invalid date', { at: new Date(Number.NaN) }],
  ['toJSON with its key, its result not asked again', { outer: withToJson, list: [withToJson] }],
  ['class instances, getters left out', { point: new Point(1, 2) }],
  ['boxed primitives', { n: Object(5), s: Object('x'), b: Object(false), inf: Object(Number.POSITIVE_INFINITY) }],
  ['a Map and a Set', { m: new Map([['k', 1]]), s: new Set([1]) }],
  ['a typed array', { bytes: new Uint8Array([1, 2]) }],
  ['a Buffer', { buffer: Buffer.from('hi') }],
  ['null-prototype objects', Object.assign(Object.create(null), { a: 1 })],
  ['an own __proto__ key', proto],
  ['data deeper than the fast path', deep],
  ['unicode and lone surrogates', { s: 'é\u2028\ud800' }],
];

describe('jsonCopy', () => {
  it.each(cases)('equals a JSON round trip for %s', (_name, value) => {
    const copy = jsonCopy(value);
    expect(copy).toStrictEqual(roundTrip(value));
    if (copy !== null && typeof copy === 'object') expect(copy).not.toBe(value);
  });

  it('keeps an own __proto__ key as data, never as the prototype', () => {
    const copy = jsonCopy(proto) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('throws what JSON throws for a BigInt and for a cycle', () => {
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    expect(() => jsonCopy({ n: Object(1n) })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonCopy(cyclic)).toThrow(/circular/i);
  });

  it('shares nothing with the original', () => {
    const original = { nested: { list: [{ a: 1 }] } };
    const copy = jsonCopy(original) as typeof original;
    copy.nested.list[0]!.a = 2;
    expect(original.nested.list[0]!.a).toBe(1);
  });
});
