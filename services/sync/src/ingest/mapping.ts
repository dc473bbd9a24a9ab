/**
 * The accounts service's integration events (shared/contracts/accounts/events-*.ts) as changes to what
 * a sync client holds. Each resource is shown to clients as the accounts API shows it (`id`, its
 * fields, `version`, `createdAt`, `updatedAt`), minus credentials, which never leave the accounts
 * service in events (clients read them with `GET /api/v2/accounts/:id`).
 *
 * Events that change nothing a client syncs (machine-id history entries, which are an append-only
 * audit trail with an API of their own) map to nothing.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import type { ResourceChange, SyncResource } from '../changelog/change.js';

type Mapped = Omit<ResourceChange, 'eventId' | 'source'>;
type Fields = Record<string, unknown>;

interface Common {
  readonly ownerId: string;
  readonly version: number;
  readonly occurredAt: string;
}

const put = (resource: SyncResource, id: string, data: Common, fields: Fields): Mapped => ({
  userId: data.ownerId,
  resource,
  id,
  version: data.version,
  kind: 'put',
  fields: { ...fields, version: data.version, updatedAt: data.occurredAt },
});

const created = (resource: SyncResource, id: string, data: Common, fields: Fields): Mapped =>
  put(resource, id, data, { id, ...fields, createdAt: data.occurredAt });

const remove = (resource: SyncResource, id: string, data: Common): Mapped => ({
  userId: data.ownerId,
  resource,
  id,
  version: data.version,
  kind: 'remove',
  fields: {},
});

/** The machine-id configuration is one item per user among the machine-id resources. */
export const MACHINE_ID_CONFIG_ID = 'config';

type Mappers = {
  [S in keyof typeof accountsIntegrationEvents]: (data: any) => Mapped | undefined;
};

const mappers: Mappers = {
  'cairn.accounts.account.created.v1': (d) => {
    const { ownerId: _o, accountId, occurredAt: _t, version: _v, ...fields } = d;
    return created('accounts', accountId, d, { ...fields, deletedAt: null });
  },
  'cairn.accounts.account.updated.v1': (d) => {
    const { credentialsChanged: _c, cause: _cause, ...rest } = d;
    return put('accounts', d.accountId, d, { ...rest.changes });
  },
  'cairn.accounts.account.deleted.v1': (d) => remove('accounts', d.accountId, d),
  'cairn.accounts.account.restored.v1': (d) => put('accounts', d.accountId, d, { deletedAt: null }),
  'cairn.accounts.account.purged.v1': (d) => remove('accounts', d.accountId, d),
  'cairn.accounts.account.token-refreshed.v1': (d) => put('accounts', d.accountId, d, { status: d.status }),
  'cairn.accounts.account.status-checked.v1': (d) =>
    put('accounts', d.accountId, d, { status: d.status, usage: d.usage }),
  'cairn.accounts.account.provider-failed.v1': (d) => put('accounts', d.accountId, d, { status: d.status }),

  'cairn.accounts.group.created.v1': (d) =>
    created('groups', d.groupId, d, { name: d.name, color: d.color, order: d.order }),
  'cairn.accounts.group.updated.v1': (d) =>
    put('groups', d.groupId, d, { name: d.name, color: d.color, order: d.order }),
  'cairn.accounts.group.reordered.v1': (d) => put('groups', d.groupId, d, { order: d.order }),
  'cairn.accounts.group.deleted.v1': (d) => remove('groups', d.groupId, d),

  'cairn.accounts.tag.created.v1': (d) => created('tags', d.tagId, d, { name: d.name, color: d.color }),
  'cairn.accounts.tag.updated.v1': (d) => put('tags', d.tagId, d, { name: d.name, color: d.color }),
  'cairn.accounts.tag.deleted.v1': (d) => remove('tags', d.tagId, d),

  'cairn.accounts.setting.created.v1': (d) => created('settings', d.key, d, { key: d.key, value: d.value }),
  'cairn.accounts.setting.updated.v1': (d) => put('settings', d.key, d, { key: d.key, value: d.value }),

  'cairn.accounts.machine-id-config.updated.v1': (d) => {
    const { ownerId: _o, occurredAt: _t, version: _v, ...config } = d;
    return put('machineIds', MACHINE_ID_CONFIG_ID, d, { id: MACHINE_ID_CONFIG_ID, kind: 'config', ...config });
  },
  'cairn.accounts.machine-id-binding.bound.v1': (d) =>
    put('machineIds', d.accountId, d, {
      id: d.accountId,
      kind: 'binding',
      accountId: d.accountId,
      machineId: d.machineId,
    }),
  'cairn.accounts.machine-id-binding.unbound.v1': (d) => remove('machineIds', d.accountId, d),
  'cairn.accounts.machine-id-history.recorded.v1': () => undefined,
};

/**
 * The change an integration event makes, or undefined when it makes none a client syncs. The data is
 * validated with the event's contract schema first: a malformed event is an error, not a change.
 */
export function toResourceChange(subject: string, eventId: string, data: unknown): ResourceChange | undefined {
  if (!Object.hasOwn(mappers, subject)) return undefined;
  const name = subject as keyof Mappers;
  const parsed = accountsIntegrationEvents[name].parse(data);
  const mapped = mappers[name](parsed);
  return mapped ? { eventId, ...mapped, source: { subject, data } } : undefined;
}
