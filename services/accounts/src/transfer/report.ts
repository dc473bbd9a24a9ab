/** An import's answer: its items as planned (dry run) or as carried out, and how many of each kind. */
import type { ImportMode, ImportReport, ImportReportItem, ImportSummary } from '@cairn/shared/contracts';
import type { PlannedItem } from './plan.js';

/** The report a plan makes as it is (a dry run). */
export const plannedItems = (plan: readonly PlannedItem[]): ImportReportItem[] =>
  plan.map(({ resource, id, action, error }) => ({ resource, id, action, ...(error ? { error } : {}) }));

export function importReport(mode: ImportMode, dryRun: boolean, items: ImportReportItem[]): ImportReport {
  return { mode, dryRun, summary: summarize(items), items };
}

export function summarize(items: readonly ImportReportItem[]): ImportSummary {
  const count = (action: ImportReportItem['action']) => items.filter((item) => item.action === action).length;
  return {
    created: count('create'),
    updated: count('update'),
    skipped: count('skip'),
    conflicts: count('conflict'),
    deleted: count('delete'),
    failed: count('error'),
  };
}
