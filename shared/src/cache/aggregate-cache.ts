/**
 * An in-process cache of aggregate states, for reads that must be fast (`me` runs on every page load).
 * Entries are folded from the event store's own stream on a miss, so they are never older than the
 * store; they are then kept current by this process's writes (`put`) and by a log follower that feeds
 * every event of the prefix (`apply`), so writes made by other replicas arrive within a poll interval.
 *
 * Stream versions decide what is new: an event at or below an entry's version was already folded in.
 * Versions are compared as numbers and must grow by one per event (true of both store adapters); on a
 * gap the entry is dropped and reloaded on the next read rather than guessed at.
 */
import type { DomainEvent, EventStore, RecordedEvent, StreamVersion } from '../eventstore/index.js';

interface Entry<S> {
  readonly state: S;
  readonly version: StreamVersion | undefined;
}

export interface AggregateCacheOptions<S, E extends DomainEvent> {
  readonly store: EventStore;
  readonly streamPrefix: string;
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  /** Entries beyond this are evicted oldest first. Default 100,000. */
  readonly maxEntries?: number;
  /** Called whenever an entry changes or is dropped (to invalidate values derived from it). */
  readonly onChange?: (id: string) => void;
}

export class AggregateCache<S, E extends DomainEvent> {
  private readonly entries = new Map<string, Entry<S>>();
  /** Loads in flight; an event that arrives meanwhile marks the load stale, and it is redone. */
  private readonly loading = new Map<string, { stale: boolean; promise: Promise<S> }>();
  private readonly maxEntries: number;

  constructor(private readonly options: AggregateCacheOptions<S, E>) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** The current state of `id` (the initial state when its stream does not exist). */
  get(id: string): Promise<S> {
    const entry = this.entries.get(id);
    if (entry) return Promise.resolve(entry.state);
    return this.load(id);
  }

  /**
   * Reads the stream now, bypassing the cache and any load already in flight (which may have read before
   * a write this caller must see), for decisions that must see other replicas' writes at once.
   */
  async fresh(id: string): Promise<S> {
    const stream = await this.options.store.readStream<E>(`${this.options.streamPrefix}${id}`);
    const state = this.fold(stream.events);
    this.put(id, state, stream.version);
    const cached = this.entries.get(id);
    return cached && isNewer(cached.version, stream.version) ? cached.state : state;
  }

  /**
   * The cached state and its stream version, without loading: for a command to decide on first (the
   * store's compare-and-set catches a stale entry; see `known` in handleCommand). Undefined when not
   * cached or when the stream did not exist.
   */
  peek(id: string): { readonly state: S; readonly version: StreamVersion } | undefined {
    const entry = this.entries.get(id);
    return entry?.version === undefined ? undefined : { state: entry.state, version: entry.version };
  }

  /** Records a state this process has just written (from `handleCommand`), if newer than what is cached. */
  put(id: string, state: S, version: StreamVersion | undefined): void {
    const current = this.entries.get(id);
    if (current && !isNewer(version, current.version)) return;
    const pending = this.loading.get(id);
    if (pending) pending.stale = true;
    this.set(id, { state, version });
  }

  /** Folds one event of the global log into the cached entry it belongs to, if that entry is cached. */
  apply(event: RecordedEvent): void {
    if (!event.streamName.startsWith(this.options.streamPrefix)) return;
    const id = event.streamName.slice(this.options.streamPrefix.length);
    const pending = this.loading.get(id);
    if (pending) pending.stale = true;
    const entry = this.entries.get(id);
    if (!entry) return;
    if (!isNewer(event.streamVersion, entry.version)) return;
    const expected = entry.version === undefined ? undefined : BigInt(entry.version) + 1n;
    if (expected !== undefined && BigInt(event.streamVersion) !== expected) {
      this.drop(id);
      return;
    }
    const state = this.options.evolve(entry.state, { type: event.type, data: event.data } as E);
    this.set(id, { state, version: event.streamVersion });
  }

  drop(id: string): void {
    if (this.entries.delete(id)) this.options.onChange?.(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private load(id: string): Promise<S> {
    const inFlight = this.loading.get(id);
    if (inFlight) return inFlight.promise;
    const marker = { stale: false, promise: undefined as unknown as Promise<S> };
    marker.promise = (async () => {
      try {
        for (let attempt = 0; ; attempt++) {
          marker.stale = false;
          const stream = await this.options.store.readStream<E>(`${this.options.streamPrefix}${id}`);
          const state = this.fold(stream.events);
          // Something changed while we read: read again (a few times at most, then serve what we have).
          if (marker.stale && attempt < 3) continue;
          const current = this.entries.get(id);
          if (!current || isNewer(stream.version, current.version)) this.set(id, { state, version: stream.version });
          return this.entries.get(id)?.state ?? state;
        }
      } finally {
        this.loading.delete(id);
      }
    })();
    this.loading.set(id, marker);
    return marker.promise;
  }

  private fold(events: readonly RecordedEvent<E>[]): S {
    return events.reduce(
      (s, e) => this.options.evolve(s, { type: e.type, data: e.data } as E),
      this.options.initialState(),
    );
  }

  private set(id: string, entry: Entry<S>): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
    this.options.onChange?.(id);
  }
}

function isNewer(candidate: StreamVersion | undefined, current: StreamVersion | undefined): boolean {
  if (candidate === undefined) return false;
  if (current === undefined) return true;
  return BigInt(candidate) > BigInt(current);
}
