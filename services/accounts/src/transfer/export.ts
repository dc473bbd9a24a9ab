/**
 * `GET /api/v2/export`: everything of the calling user as one versioned document (contract:
 * transfer.ts). Credentials are opened for their owner only when asked for (`includeCredentials`),
 * from the same state `GET /accounts/:id` shows; such an export is logged (who, how many accounts),
 * never its content. A document larger than the configured limit is refused (413): it could not travel
 * as one bus message, nor be imported back through the gateway.
 */
import type { RequestContext } from '@cairn/shared/bus';
import {
  type Account,
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportDocument,
  type exportRequestSchema,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { mapConcurrently } from '@cairn/shared/runtime';
import type { z } from 'zod';
import { accountKey } from '../accounts/account.js';
import type { AccountsContext } from '../accounts/context.js';
import { open } from '../accounts/credentials.js';
import type { AccountRow } from '../accounts/readModel.js';
import { toAccount } from '../accounts/view.js';
import { ownerOf } from '../library/owner.js';
import { isoAt } from '../runtime.js';
import { readUserResources } from './sources.js';

/** Credentials opened at once (each may fetch its data key). */
const CONCURRENCY = 16;

export async function exportData(
  ax: AccountsContext,
  input: z.output<typeof exportRequestSchema>,
  context: RequestContext,
): Promise<ExportDocument> {
  const ownerId = ownerOf(context);
  const includeCredentials = input.includeCredentials ?? false;
  const resources = await readUserResources(ax, ownerId, { history: input.includeHistory ?? true });
  const accounts = includeCredentials ? await withCredentials(ax, ownerId, resources.accounts) : resources.accounts;
  const document: ExportDocument = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: isoAt(ax.rt.now()),
    ownerId,
    includesCredentials: includeCredentials,
    accounts: [...accounts],
    groups: [...resources.groups],
    tags: [...resources.tags],
    settings: [...resources.settings],
    machineIds: {
      config: resources.machineIdConfig,
      bindings: [...resources.bindings],
      ...(resources.history === undefined ? {} : { history: [...resources.history] }),
    },
  };
  assertSize(document, ax.rt.config.exportMaxBytes);
  if (includeCredentials) {
    ax.rt.logger.info({ ownerId, accounts: accounts.length }, 'accounts exported with their credentials');
  }
  return document;
}

/**
 * Each account with its credentials (null when it has none). An account with credentials is shown from
 * its state, as `GET /accounts/:id` shows it, so that the copy and its credentials belong together.
 */
function withCredentials(ax: AccountsContext, ownerId: string, rows: readonly AccountRow[]): Promise<Account[]> {
  return mapConcurrently(rows, CONCURRENCY, async (row) => {
    if (!row.hasCredentials) return { ...row, credentials: null };
    const state = await ax.cache.get(accountKey(ownerId, row.id));
    // Purged since the list was read: show it as listed, without what can no longer be opened.
    if (state.kind !== 'existing') return { ...row, credentials: null };
    return { ...toAccount(state), credentials: await open(ax, state) };
  });
}

function assertSize(document: ExportDocument, limitBytes: number): void {
  const sizeBytes = Buffer.byteLength(JSON.stringify(document));
  if (sizeBytes > limitBytes) {
    throw new DomainError(
      'PAYLOAD_TOO_LARGE',
      'The export is larger than one document may be; try includeHistory=false or includeCredentials=false',
      { limitBytes, sizeBytes },
    );
  }
}
