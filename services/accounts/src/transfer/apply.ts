/**
 * Carrying out an import plan with the slices' own commands, so an import makes exactly the events
 * (and versions, claims of names, reactions) the same writes through the API would. Each item stands
 * alone: its failure is its own result and stops nothing else. The items run in phases, each phase a
 * bounded number at a time:
 *
 *   1. groups and tags the document lacks are deleted (`replace`), which frees their names;
 *   2. groups and tags are created and updated; settings and the machine-id configuration are put;
 *   3. accounts are created, patched and restored (references to groups and tags are kept as given);
 *   4. bindings are made, changed and (`replace`) removed: their accounts are live by now;
 *   5. accounts are soft-deleted (those deleted in the document, and in `replace` those it lacks).
 *
 * Updates and deletes name the version the plan read: a write racing the import turns its item into a
 * conflict. The one exception is the server's own reaction to phase 1 (a deleted group or tag leaves
 * its accounts, each a new account version): an account write that only such reactions overtook is
 * made again at the new version. (Those reactions also take a deleted group or tag from accounts the
 * document keeps naming it on: a document naming a group it does not hold gets what a delete gives.)
 */
import type { RequestContext } from '@cairn/shared/bus';
import {
  ACCOUNT_DEFAULTS,
  type ImportDocument,
  type ImportedAccount,
  type ImportedBinding,
  type ImportedGroup,
  type ImportedSetting,
  type ImportedTag,
  type ImportReportItem,
  type ItemError,
} from '@cairn/shared/contracts';
import { comparePositions, type GlobalPosition } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import type { Logger } from '@cairn/shared/logging';
import { mapConcurrently } from '@cairn/shared/runtime';
import { accountStream } from '../accounts/account.js';
import type { AccountsContext } from '../accounts/context.js';
import {
  type CreateAccountInput,
  createAccountCore,
  deleteAccountCore,
  restoreAccount,
  updateAccountCore,
} from '../accounts/handlers.js';
import { ACCOUNTS_PROJECTION } from '../accounts/readModel.js';
import { createGroup, deleteGroup, updateGroup } from '../groups/handlers.js';
import { settingsOf } from '../machine-ids/config.js';
import { putMachineIdConfig } from '../machine-ids/configHandlers.js';
import { bindMachineId, unbindMachineId } from '../machine-ids/handlers.js';
import { putSetting } from '../settings/handlers.js';
import { createTag, deleteTag, updateTag } from '../tags/handlers.js';
import type { PlannedItem } from './plan.js';

/** Items in flight at once: as the account batch (enough to fill the store's append batches). */
const CONCURRENCY = 16;

/** Writes an account retries when only the server's reactions overtook them. */
const REACTION_RETRIES = 5;

/** Written to the machine-id history of the binds and unbinds an import makes. */
export const IMPORT_REASON = 'import';

const PHASES = ['free-names', 'labels-and-settings', 'accounts', 'bindings', 'account-deletions'] as const;
type Phase = (typeof PHASES)[number];

interface Outcome {
  readonly item: PlannedItem;
  failure?: { readonly action: 'conflict' | 'error'; readonly error: ItemError };
  /** Accounts: the version phase 3 left, for the soft delete of phase 5. */
  version?: number;
}

type Step = (outcome: Outcome) => Promise<void>;

export async function applyPlan(
  ax: AccountsContext,
  ownerId: string,
  doc: ImportDocument,
  plan: readonly PlannedItem[],
  context: RequestContext,
): Promise<ImportReportItem[]> {
  const steps = new ImportSteps(ax, ownerId, doc, context);
  const outcomes: Outcome[] = plan.map((item) => ({ item }));
  for (const phase of PHASES) {
    const due = outcomes.flatMap((outcome) => {
      const step = outcome.failure ? undefined : steps.of(outcome.item, phase);
      return step ? [{ outcome, step }] : [];
    });
    await mapConcurrently(due, CONCURRENCY, async ({ outcome, step }) => {
      try {
        await step(outcome);
      } catch (error) {
        outcome.failure = failureOf(error, ax.rt.logger);
      }
    });
  }
  // Account writes skip the per-item wait: one wait for the last makes every one visible.
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, steps.lastAccountPosition);
  return outcomes.map(({ item, failure }) => ({
    resource: item.resource,
    id: item.id,
    ...(failure ? { action: failure.action, error: failure.error } : { action: item.action }),
    ...(!failure && item.error ? { error: item.error } : {}),
  }));
}

/** What each planned item does in each phase, with the document's copy of its resource. */
class ImportSteps {
  lastAccountPosition: GlobalPosition | undefined;
  private readonly accounts: ReadonlyMap<string, ImportedAccount>;
  private readonly groups: ReadonlyMap<string, ImportedGroup>;
  private readonly tags: ReadonlyMap<string, ImportedTag>;
  private readonly settings: ReadonlyMap<string, ImportedSetting>;
  private readonly bindings: ReadonlyMap<string, ImportedBinding>;

  constructor(
    private readonly ax: AccountsContext,
    private readonly ownerId: string,
    private readonly doc: ImportDocument,
    private readonly context: RequestContext,
  ) {
    this.accounts = new Map(doc.accounts.map((a) => [a.id, a]));
    this.groups = new Map(doc.groups.map((g) => [g.id, g]));
    this.tags = new Map(doc.tags.map((t) => [t.id, t]));
    this.settings = new Map(doc.settings.map((s) => [s.key, s]));
    this.bindings = new Map(doc.machineIds.bindings.map((b) => [b.accountId, b]));
  }

  of(item: PlannedItem, phase: Phase): Step | undefined {
    const { action } = item;
    if (action === 'skip' || action === 'conflict' || action === 'error') return undefined;
    switch (item.resource) {
      case 'group':
      case 'tag':
        if (action === 'delete') return phase === 'free-names' ? () => this.deleteLabel(item) : undefined;
        return phase === 'labels-and-settings' ? () => this.putLabel(item) : undefined;
      case 'setting':
        return phase === 'labels-and-settings' ? () => this.putSetting(item) : undefined;
      case 'machineIdConfig':
        return phase === 'labels-and-settings' ? () => this.putConfig(item) : undefined;
      case 'machineIdBinding':
        return phase === 'bindings' ? () => this.putBinding(item) : undefined;
      case 'account':
        if (phase === 'accounts' && action !== 'delete') return (outcome) => this.putAccount(item, outcome);
        if (phase === 'account-deletions' && (action === 'delete' || item.lifecycle === 'delete')) {
          return (outcome) => this.softDeleteAccount(item, outcome);
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private async deleteLabel(item: PlannedItem): Promise<void> {
    const { rt } = this.ax;
    const input = { id: item.id, version: item.expectedVersion! };
    await (item.resource === 'group' ? deleteGroup(rt, input, this.context) : deleteTag(rt, input, this.context));
  }

  private async putLabel(item: PlannedItem): Promise<void> {
    const { rt } = this.ax;
    if (item.resource === 'group') {
      const group = this.groups.get(item.id)!;
      const fields = { id: group.id, name: group.name, color: group.color ?? null, order: group.order };
      await (item.action === 'create'
        ? createGroup(rt, fields, this.context)
        : updateGroup(rt, { ...fields, version: item.expectedVersion! }, this.context));
      return;
    }
    const tag = this.tags.get(item.id)!;
    const fields = { id: tag.id, name: tag.name, color: tag.color ?? null };
    await (item.action === 'create'
      ? createTag(rt, fields, this.context)
      : updateTag(rt, { ...fields, version: item.expectedVersion! }, this.context));
  }

  private async putSetting(item: PlannedItem): Promise<void> {
    const setting = this.settings.get(item.id)!;
    const version = item.action === 'update' ? item.expectedVersion : undefined;
    await putSetting(this.ax.rt, { key: setting.key, value: setting.value, version }, this.context);
  }

  private async putConfig(item: PlannedItem): Promise<void> {
    const version = item.action === 'update' ? item.expectedVersion : undefined;
    await putMachineIdConfig(this.ax.rt, { ...settingsOf(this.doc.machineIds.config), version }, this.context);
  }

  private async putBinding(item: PlannedItem): Promise<void> {
    const { rt } = this.ax;
    if (item.action === 'delete') {
      await unbindMachineId(
        rt,
        { accountId: item.id, version: item.expectedVersion!, reason: IMPORT_REASON },
        this.context,
      );
      return;
    }
    const binding = this.bindings.get(item.id)!;
    const version = item.action === 'update' ? item.expectedVersion : undefined;
    await bindMachineId(
      rt,
      { accountId: binding.accountId, machineId: binding.machineId, reason: IMPORT_REASON, version },
      this.context,
    );
  }

  /** Creates, or patches and restores, an account (its soft delete comes in phase 5). */
  private async putAccount(item: PlannedItem, outcome: Outcome): Promise<void> {
    const { ax, ownerId, context } = this;
    const account = this.accounts.get(item.id)!;
    if (item.action === 'create') {
      const written = await createAccountCore(ax, ownerId, creation(account), context);
      this.wrote(written.position);
      outcome.version = written.account.version;
      return;
    }
    let version = item.expectedVersion!;
    if (item.patch) {
      const written = await this.despiteReactions(item.id, version, (v) =>
        updateAccountCore(ax, ownerId, { id: item.id, version: v, data: creation(account) }, 'patch', context),
      );
      this.wrote(written.position);
      version = written.account.version;
    }
    if (item.lifecycle === 'restore') {
      const restored = await this.despiteReactions(item.id, version, (v) =>
        restoreAccount(ax, { id: item.id, version: v }, context),
      );
      version = restored.version;
    }
    outcome.version = version;
  }

  private async softDeleteAccount(item: PlannedItem, outcome: Outcome): Promise<void> {
    const { ax, ownerId, context } = this;
    const version = item.action === 'delete' ? item.expectedVersion! : outcome.version!;
    const written = await this.despiteReactions(item.id, version, (v) =>
      deleteAccountCore(ax, ownerId, { id: item.id, version: v }, context),
    );
    this.wrote(written.position);
  }

  private wrote(position: GlobalPosition | undefined): void {
    if (position && (!this.lastAccountPosition || comparePositions(position, this.lastAccountPosition) > 0)) {
      this.lastAccountPosition = position;
    }
  }

  /**
   * A write at `version`; if the account moved on only by the server's reactions to deleted groups and
   * tags (events with a `cause`; one group and one tag may each add one), again at the version they
   * left, a few times at most. Any other change is a conflict.
   */
  private async despiteReactions<T>(accountId: string, version: number, write: (version: number) => Promise<T>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(version);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'VERSION_CONFLICT' || attempt >= REACTION_RETRIES) {
          throw error;
        }
        const after = await this.versionAfterReactions(accountId, version);
        if (after === undefined) throw error;
        version = after;
      }
    }
  }

  /** The account's version, if every change since `version` was a reaction; undefined otherwise. */
  private async versionAfterReactions(accountId: string, version: number): Promise<number | undefined> {
    const { events } = await this.ax.rt.store.readStream(accountStream(this.ownerId, accountId));
    const since = events
      .map((e) => ({ type: e.type, data: e.data as { version?: number; cause?: string } }))
      .filter((e) => (e.data.version ?? 0) > version);
    const reactionsOnly = since.length > 0 && since.every((e) => e.type === 'AccountUpdated' && e.data.cause);
    return reactionsOnly ? since.at(-1)!.data.version : undefined;
  }
}

/** The document's editable fields of an account, defaults filled in; credentials only if it has them. */
function creation(account: ImportedAccount): CreateAccountInput {
  const { version: _version, deletedAt: _deletedAt, credentials, ...fields } = account;
  return {
    ...fields,
    nickname: fields.nickname ?? ACCOUNT_DEFAULTS.nickname,
    provider: fields.provider ?? ACCOUNT_DEFAULTS.provider,
    status: fields.status ?? ACCOUNT_DEFAULTS.status,
    groupId: fields.groupId === undefined ? ACCOUNT_DEFAULTS.groupId : fields.groupId,
    tagIds: fields.tagIds ?? [...ACCOUNT_DEFAULTS.tagIds],
    usage: fields.usage ?? { ...ACCOUNT_DEFAULTS.usage },
    notes: fields.notes ?? ACCOUNT_DEFAULTS.notes,
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** A failed item's result: a version conflict is a conflict; anything else an error, as a batch item's. */
function failureOf(error: unknown, logger: Logger): NonNullable<Outcome['failure']> {
  if (error instanceof DomainError) {
    if (error.code === 'VERSION_CONFLICT') {
      // Without the current copy: a report of thousands of conflicts stays small.
      const currentVersion = (error.details as { currentVersion?: unknown } | undefined)?.currentVersion;
      return { action: 'conflict', error: { error: error.code, message: error.message, details: { currentVersion } } };
    }
    return {
      action: 'error',
      error: {
        error: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    };
  }
  logger.error({ err: error }, 'an import item failed unexpectedly');
  return { action: 'error', error: { error: 'INTERNAL_ERROR', message: 'Internal error' } };
}
