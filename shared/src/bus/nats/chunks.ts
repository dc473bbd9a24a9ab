/**
 * Replies larger than one NATS message (the server's `max_payload`, 1 MiB by default): the service
 * sends them in order as several messages to the reply subject, each with a `Cairn-Chunk: <i>/<n>`
 * header, and the requester joins them before it resolves. Messages from one connection to one subject
 * arrive in the order they were sent, so a reply is complete when its last chunk arrives. A request
 * larger than one message is not chunked: queue groups could hand its parts to different replicas (large
 * uploads never ride the bus; DESIGN.md decision 6).
 */
export const CHUNK_HEADER = 'Cairn-Chunk';

/** Room left in each message for headers. */
const HEADROOM = 8 * 1024;

export function chunkSize(maxPayload: number | undefined): number {
  return Math.max(64 * 1024, (maxPayload ?? 1024 * 1024) - HEADROOM);
}

export function splitReply(reply: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let start = 0; start < reply.length; start += size) parts.push(reply.subarray(start, start + size));
  return parts;
}

/** `3/7` → [3, 7]; undefined for anything else (then the message is a whole reply). */
export function parseChunk(value: string | undefined): readonly [number, number] | undefined {
  const match = value === undefined ? null : /^(\d{1,6})\/(\d{1,6})$/.exec(value);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && index <= count ? [index, count] : undefined;
}

export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
}
