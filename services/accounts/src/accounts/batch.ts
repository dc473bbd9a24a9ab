/**
 * Batches (CONTRACT.md "Accounts v2"): each operation stands alone, validated and decided on its own,
 * with its own result; one failing does not stop the others. Operations on different accounts run
 * concurrently, a bounded number at a time (the event store groups concurrent appends into one
 * statement); those on the same account run in the order given (library/item-results.ts). The answer
 * waits once, at the end, for the read model to show the last of them.
 */
import type { RequestContext } from '@cairn/shared/bus';
import {
  type Account,
  type AccountBatchOperation,
  type AccountBatchResult,
  accountBatchOperationSchema,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { z } from 'zod';
import { assertBatchSize, type ItemOutcome, runItems } from '../library/item-results.js';
import { ownerOf } from '../library/owner.js';
import type { AccountsContext } from './context.js';
import { createAccountCore, deleteAccountCore, updateAccountCore, type Written } from './handlers.js';
import { ACCOUNTS_PROJECTION } from './readModel.js';

/**
 * Operations in flight at once: a batch of 100 goes out in two rounds of grouped appends rather than
 * seven (a push of 100 mixed items took ~25% longer at 16). Stream reads beyond the pool's size wait
 * for a connection, as any other query would.
 */
const CONCURRENCY = 64;

export async function batchAccounts(
  ax: AccountsContext,
  input: { operations: readonly unknown[] },
  context: RequestContext,
): Promise<AccountBatchResult> {
  const ownerId = ownerOf(context);
  assertBatchSize(input.operations.length);
  let unnamed = 0;
  return run(ax, input.operations, {
    // Creations without an id cannot clash with anything: each is a lane of its own.
    lane: (item) => {
      const op = item as { id?: unknown; data?: { id?: unknown } } | null;
      const id = op?.id ?? op?.data?.id;
      return typeof id === 'string' ? `id:${id}` : `#${unnamed++}`;
    },
    apply: (item) => {
      const parsed = accountBatchOperationSchema.safeParse(item);
      if (!parsed.success) throw invalidOperation(item, parsed.error.issues);
      return applyOperation(ax, ownerId, parsed.data, context);
    },
  });
}

export async function batchDeleteAccounts(
  ax: AccountsContext,
  input: { ids: readonly string[] },
  context: RequestContext,
): Promise<AccountBatchResult> {
  const ownerId = ownerOf(context);
  return run(ax, input.ids, {
    lane: (id) => `id:${String(id)}`,
    apply: (id) => deleteAccountCore(ax, ownerId, { id: id as string }, context),
  });
}

async function run(
  ax: AccountsContext,
  items: readonly unknown[],
  how: { lane: (item: unknown) => string; apply: (item: unknown) => Promise<Written> },
): Promise<AccountBatchResult> {
  const outcome = await runItems<unknown, Account>({
    items,
    // Each item is parsed by `apply`, so that its failure is the one a single request would get.
    schema: z.unknown(),
    lane: how.lane,
    run: async (item): Promise<ItemOutcome<Account>> => {
      const written = await how.apply(item);
      return { data: written.account, position: written.position };
    },
    logger: ax.rt.logger,
    concurrency: CONCURRENCY,
  });
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, outcome.lastPosition);
  return { results: outcome.results, summary: outcome.summary };
}

function applyOperation(
  ax: AccountsContext,
  ownerId: string,
  op: AccountBatchOperation,
  context: RequestContext,
): Promise<Written> {
  switch (op.action) {
    case 'create': {
      if (op.id !== undefined && op.data.id !== undefined && op.id !== op.data.id) {
        throw new DomainError('VALIDATION_ERROR', 'id and data.id differ', [
          { field: 'data.id', message: 'must equal id when both are given' },
        ]);
      }
      const id = op.id ?? op.data.id;
      return createAccountCore(ax, ownerId, { ...op.data, ...(id !== undefined ? { id } : {}) }, context);
    }
    case 'update':
    case 'patch':
      return updateAccountCore(
        ax,
        ownerId,
        { id: op.id, version: op.version, data: op.data },
        op.action === 'update' ? 'replace' : 'patch',
        context,
      );
    case 'delete':
      return deleteAccountCore(ax, ownerId, { id: op.id, version: op.version }, context);
    default: {
      const unknown: never = op;
      return unknown;
    }
  }
}

/** A malformed item: INVALID_VERSION when its version is what is wrong (as for a single write), else 400. */
function invalidOperation(item: unknown, issues: readonly { path: PropertyKey[]; message: string }[]): DomainError {
  const details = issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message }));
  const action = (item as { action?: unknown } | null)?.action;
  const needsVersion = action === 'update' || action === 'patch';
  if (needsVersion && details.some((d) => d.field === 'version')) {
    return new DomainError('INVALID_VERSION', 'version is required: the version of the account you read', details);
  }
  return new DomainError('VALIDATION_ERROR', 'The operation is not valid', details);
}
