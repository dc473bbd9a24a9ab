/**
 * The one way a service runs a command from a request: `handleCommand` (read → evolve → decide →
 * append, retried only on a version conflict) with the request's correlation id, actor and trace
 * context stamped onto every event's metadata, and the time taken once, outside the decider.
 */
import type { RequestContext } from '../bus/port.js';
import {
  type CommandResult,
  type Decider,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  type HandleOptions,
  handleCommand,
} from '../eventstore/index.js';

export function commandMetadata(context: RequestContext | undefined, nowMs: number): Omit<EventMetadata, 'eventId'> {
  return {
    occurredAt: new Date(nowMs).toISOString(),
    ...(context?.requestId ? { correlationId: context.requestId } : {}),
    ...(context?.actor ? { actor: context.actor } : {}),
    ...(context?.traceparent ? { traceparent: context.traceparent } : {}),
    ...(context?.tracestate ? { tracestate: context.tracestate } : {}),
  };
}

export interface CommandRuntime {
  readonly store: EventStore;
  readonly newId: () => string;
}

export function executeCommand<C, S, E extends DomainEvent>(
  rt: CommandRuntime,
  streamName: string,
  decider: Decider<C, S, E>,
  command: C,
  context: RequestContext | undefined,
  nowMs: number,
  known?: HandleOptions<S>['known'],
): Promise<CommandResult<S, E>> {
  return handleCommand(rt.store, streamName, decider, command, {
    metadata: commandMetadata(context, nowMs),
    newEventId: rt.newId,
    ...(known ? { known } : {}),
  });
}
