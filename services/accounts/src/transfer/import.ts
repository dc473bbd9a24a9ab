/**
 * `POST /api/v2/import` (contract: transfer.ts): the document is checked whole by the operation's
 * schema (a malformed one changes nothing), counted (more than MAX_IMPORT_ITEMS resources → 413),
 * planned against the user's current state, and then reported as planned (`dryRun`) or carried out.
 */
import type { RequestContext } from '@cairn/shared/bus';
import {
  type ImportReport,
  importItemCount,
  type importRequestSchema,
  MAX_IMPORT_ITEMS,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { z } from 'zod';
import type { AccountsContext } from '../accounts/context.js';
import { ownerOf } from '../library/owner.js';
import { applyPlan } from './apply.js';
import { planImport } from './plan.js';
import { importReport, plannedItems } from './report.js';
import { loadServerState } from './server-state.js';

export async function importData(
  ax: AccountsContext,
  input: z.output<typeof importRequestSchema>,
  context: RequestContext,
): Promise<ImportReport> {
  const ownerId = ownerOf(context);
  assertImportSize(importItemCount(input.data));
  const dryRun = input.dryRun ?? false;
  const plan = planImport(await loadServerState(ax, ownerId, input.data), input.data, input.mode);
  const items = dryRun ? plannedItems(plan) : await applyPlan(ax, ownerId, input.data, plan, context);
  const report = importReport(input.mode, dryRun, items);
  ax.rt.logger.info({ ownerId, mode: input.mode, dryRun, summary: report.summary }, 'accounts data imported');
  return report;
}

/** More than the limit is refused whole (413), before anything is read or changed. */
export function assertImportSize(count: number): void {
  if (count > MAX_IMPORT_ITEMS) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `An import holds at most ${MAX_IMPORT_ITEMS} resources`, {
      limit: MAX_IMPORT_ITEMS,
      received: count,
    });
  }
}
