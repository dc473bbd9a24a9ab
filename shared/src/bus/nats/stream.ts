/**
 * The events stream on JetStream: created or brought up to date on connect (file storage, a
 * deduplication window), and durable publishes into it with `msgID` so a relay's retry is dropped.
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { outgoingHeaders } from '../outgoing.js';
import type { DurablePublishOptions, DurablePublishResult } from '../port.js';
import { assertEventSubject, EVENT_SUBJECT_FILTER } from '../subjects.js';
import { recordToHeaders } from './headers.js';
import type { WireSubject } from './rpc.js';

export interface StreamSettings {
  readonly name: string;
  readonly duplicateWindowMs: number;
  /** 0 keeps messages forever (the default: consumers may start late). Tests set a limit. */
  readonly maxAgeMs: number;
}

export async function ensureEventsStream(
  jsm: JetStreamManager,
  settings: StreamSettings,
  wire: WireSubject,
): Promise<void> {
  // The server refuses a deduplication window longer than the retention.
  const duplicateWindowMs =
    settings.maxAgeMs > 0 ? Math.min(settings.duplicateWindowMs, settings.maxAgeMs) : settings.duplicateWindowMs;
  const wanted: Partial<StreamConfig> = {
    subjects: [wire(EVENT_SUBJECT_FILTER)],
    duplicate_window: nanos(duplicateWindowMs),
    max_age: nanos(settings.maxAgeMs),
  };
  try {
    const info = await jsm.streams.info(settings.name);
    const current = info.config;
    const same =
      current.subjects?.join() === wanted.subjects?.join() &&
      current.duplicate_window === wanted.duplicate_window &&
      current.max_age === wanted.max_age;
    if (!same) await jsm.streams.update(settings.name, wanted);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    // Two processes starting together may both get here; adding an identical stream twice is accepted.
    await jsm.streams.add({
      ...wanted,
      name: settings.name,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
  }
}

export async function publishToStream(
  js: JetStreamClient,
  stream: string,
  wire: WireSubject,
  subject: string,
  data: Uint8Array,
  options: DurablePublishOptions,
): Promise<DurablePublishResult> {
  assertEventSubject(subject);
  const headers = recordToHeaders(outgoingHeaders(options.headers));
  const ack = await js.publish(wire(subject), data, {
    msgID: options.msgId,
    expect: { streamName: stream },
    ...(headers ? { headers } : {}),
  });
  return { seq: ack.seq, duplicate: ack.duplicate };
}
