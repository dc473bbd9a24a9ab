/**
 * `JSON.parse(JSON.stringify(value))` without the text in between, for the in-process bus: what a handler
 * or caller receives is exactly what the wire would give (Dates as ISO strings, `toJSON` honoured,
 * undefined and functions dropped from objects and nulled in arrays, non-finite numbers as null, -0 as 0),
 * in a fraction of the time for the small objects RPC carries. It follows the steps of JSON.stringify
 * (ECMA-262 SerializeJSONProperty); data nested deeper than any RPC payload (or cyclic) goes through JSON
 * itself, so the result, and the error for a cycle, are JSON's own.
 */

/** Past this depth the data may be cyclic: JSON decides (and names the cycle in its error). */
const MAX_DEPTH = 64;

class TooDeep extends Error {}
const TOO_DEEP = new TooDeep();

/** The copy, or undefined where `JSON.stringify` would give undefined (undefined, a function, a symbol). */
export function jsonCopy(value: unknown): unknown {
  try {
    return property(value, '', 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : JSON.parse(text);
  }
}

/** JSON's SerializeJSONProperty: `toJSON` first (called once, with the key), then the value itself. */
function property(value: unknown, key: string, depth: number): unknown {
  if (value !== null && (typeof value === 'object' || typeof value === 'bigint')) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, key);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return finite(value);
    case 'bigint':
      throw bigIntError();
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) throw TOO_DEEP;
      if (Array.isArray(value)) return array(value, depth + 1);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const primitive = unboxed(value);
        if (primitive !== NOT_BOXED) return primitive;
      }
      return object(value as Record<string, unknown>, depth + 1);
    }
    default:
      return undefined; // undefined, a function, a symbol
  }
}

/** Non-finite numbers become null; `+ 0` turns -0 into 0, as its text "0" does. */
const finite = (value: number): number | null => (Number.isFinite(value) ? value + 0 : null);

const bigIntError = () => new TypeError('Do not know how to serialize a BigInt');

const NOT_BOXED = Symbol('not boxed');

/** A Number, String or Boolean object serialises as its primitive (decided by internal slot, as JSON does). */
function unboxed(value: object): unknown {
  if (hasSlot(Number.prototype.valueOf, value)) return finite(Number(value));
  if (hasSlot(String.prototype.valueOf, value)) return String(value);
  if (hasSlot(Boolean.prototype.valueOf, value)) return Boolean.prototype.valueOf.call(value);
  if (hasSlot(BigInt.prototype.valueOf, value)) throw bigIntError();
  return NOT_BOXED;
}

/** `valueOf` of a primitive's prototype throws for any object but its own kind of wrapper. */
function hasSlot(unwrap: () => unknown, value: object): boolean {
  try {
    unwrap.call(value);
    return true;
  } catch {
    return false;
  }
}

function array(value: readonly unknown[], depth: number): unknown[] {
  const copy = new Array<unknown>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = property(value[i], String(i), depth);
    copy[i] = item === undefined ? null : item;
  }
  return copy;
}

function object(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = property(value[key], key, depth);
    if (item === undefined) continue;
    // JSON.parse makes "__proto__" an own property; a plain assignment would set the prototype instead.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    } else copy[key] = item;
  }
  return copy;
}
