import { describe, expect, it } from 'vitest';
import type { RecordedEvent, StreamVersion } from '../../src/eventstore/index.js';
import { cloudEventHeaders, integrationSubject, toCloudEvent } from '../../src/relay/index.js';

const recorded: RecordedEvent = {
  type: 'UserRegistered',
  data: { secret: 'never published as such' },
  schemaVersion: 1,
  streamName: 'user-42',
  streamVersion: 1n as StreamVersion,
  position: { commit: 7n, prepare: 3n },
  metadata: {
    eventId: '0190f4b8-52a4-7c3e-9d2b-3c1f7f1a2b3c',
    occurredAt: '2024-07-01T10:00:00.000Z',
    correlationId: 'req-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
};

describe('integration subjects', () => {
  it('follow cairn.<service>.<entity>.<event>.v<N>', () => {
    expect(integrationSubject('auth', 'user', 'registered', 1)).toBe('cairn.auth.user.registered.v1');
    expect(integrationSubject('auth', 'user', 'password-changed', 2)).toBe('cairn.auth.user.password-changed.v2');
  });

  it('refuse tokens that would break the subject or collide with RPC and notifications', () => {
    expect(() => integrationSubject('auth', 'user.name', 'registered', 1)).toThrow(/entity/);
    expect(() => integrationSubject('auth', 'user', '*', 1)).toThrow(/event/);
    expect(() => integrationSubject('rpc', 'user', 'registered', 1)).toThrow(/service/);
    expect(() => integrationSubject('Auth', 'user', 'registered', 1)).toThrow(/service/);
    expect(() => integrationSubject('auth', 'user', 'registered', 0)).toThrow(/version/);
  });
});

describe('CloudEvents mapping', () => {
  it('builds a CloudEvents 1.0 envelope around the public data only', () => {
    const event = toCloudEvent('auth', recorded, { subject: 'cairn.auth.user.registered.v1', data: { userId: '42' } });
    expect(event).toEqual({
      specversion: '1.0',
      id: '0190f4b8-52a4-7c3e-9d2b-3c1f7f1a2b3c',
      source: 'cairn/auth',
      type: 'cairn.auth.user.registered.v1',
      subject: 'user-42',
      time: '2024-07-01T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: { userId: '42' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      correlationid: 'req-1',
    });
    expect(cloudEventHeaders(event)).toEqual({
      'content-type': 'application/cloudevents+json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });
});
