/** Pure pieces of the edge: version parsing, request ids, WebSocket message parsing, configuration. */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, versionOf } from '../src/index.js';
import { requestIdOf } from '../src/plugins/request-id.js';
import { securityHeaders } from '../src/plugins/security.js';
import { parseClientMessage } from '../src/ws/protocol.js';

const request = (body: unknown, ifMatch?: string) =>
  ({ body, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } }) as unknown as FastifyRequest;

describe('versionOf', () => {
  it('reads W/"n", "n" and a body version', () => {
    expect(versionOf(request({}, 'W/"12"'))).toBe(12);
    expect(versionOf(request(undefined, '"7"'))).toBe(7);
    expect(versionOf(request({ version: 4 }))).toBe(4);
    expect(versionOf(request({ version: 4 }, 'W/"4"'))).toBe(4);
  });

  it('refuses what is missing, malformed or contradictory', () => {
    for (const [body, header] of [
      [{}, undefined],
      [null, undefined],
      [{}, 'W/"abc"'],
      [{}, 'W/"-1"'],
      [{}, '*'],
      [{ version: 1.5 }, undefined],
      [{ version: '3' }, undefined],
      [{ version: 3 }, 'W/"4"'],
    ] as const) {
      expect(() => versionOf(request(body, header)), JSON.stringify([body, header])).toThrow(
        expect.objectContaining({ code: 'INVALID_VERSION' }),
      );
    }
  });
});

describe('requestIdOf', () => {
  const raw = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;

  it('keeps a sane caller id and replaces anything else', () => {
    expect(requestIdOf(raw('abc-123_X.y:z'))).toBe('abc-123_X.y:z');
    for (const bad of [undefined, '', 'with space', 'x'.repeat(129), '<script>']) {
      expect(requestIdOf(raw(bad))).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('parseClientMessage', () => {
  it('accepts a JSON object with a string type and refuses the rest', () => {
    expect(parseClientMessage('{"type":"ping","extra":1}')).toEqual({ ok: true, value: { type: 'ping', extra: 1 } });
    for (const bad of ['nope', '[]', '"ping"', '{"type":3}', '{"type":""}', 'null']) {
      expect(parseClientMessage(bad).ok, bad).toBe(false);
    }
  });
});

describe('configuration', () => {
  it('has production defaults and lets RATE_LIMIT_MAX=0 turn the limiter off', () => {
    const defaults = loadGatewayConfig({});
    expect(defaults).toMatchObject({
      PORT: 8080,
      BODY_LIMIT_BYTES: 1_048_576,
      RATE_LIMIT_MAX: 1000,
      ACCESS_LOG: 'errors',
    });
    expect(loadGatewayConfig({ RATE_LIMIT_MAX: '0', ACCESS_LOG: 'all' })).toMatchObject({
      RATE_LIMIT_MAX: 0,
      ACCESS_LOG: 'all',
    });
    expect(() => loadGatewayConfig({ WS_HEARTBEAT_MS: 'often' })).toThrow(/WS_HEARTBEAT_MS/);
  });
});

describe('securityHeaders', () => {
  it('computes helmet’s headers once, with a deny-all CSP', () => {
    const headers = securityHeaders();
    expect(headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['strict-transport-security']).toMatch(/max-age=/);
    expect(headers['x-powered-by']).toBeUndefined();
  });
});
