/**
 * Settings (CONTRACT.md "Accounts v2"): every key of the calling user, one key, PUT one key, and a
 * batch of PUTs whose items stand alone. Single keys are read from their streams (never older than
 * the last write); writes answer once the settings read model shows them.
 */
import type { RequestContext } from '@cairn/shared/bus';
import { type batchSettingsResultSchema, type Setting, settingChangeSchema } from '@cairn/shared/contracts';
import { DomainError, type Page } from '@cairn/shared/http';
import type { z } from 'zod';
import { type ItemOutcome, runItems } from '../library/item-results.js';
import { ownerOf } from '../library/owner.js';
import { readState } from '../library/streams.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { settingDecider } from './decide.js';
import { querySettings, SETTINGS_PROJECTION } from './readModel.js';
import { type ExistingSetting, settingStream, toSettingView } from './setting.js';

type SettingChange = z.output<typeof settingChangeSchema>;

export async function listSettings(
  rt: AccountsRuntime,
  input: { page: number; pageSize: number },
  context: RequestContext,
): Promise<Page<Setting>> {
  const table = rt.readModels.table(SETTINGS_PROJECTION, 'settings');
  return querySettings(rt.pool, table, { ownerId: ownerOf(context), ...input });
}

export async function getSetting(
  rt: AccountsRuntime,
  input: { key: string },
  context: RequestContext,
): Promise<Setting> {
  const setting = await readState(rt.store, settingStream(ownerOf(context), input.key), settingDecider);
  if (setting.kind !== 'existing') throw new DomainError('SETTING_NOT_FOUND', 'Setting not found', { key: input.key });
  return toSettingView(setting);
}

export async function putSetting(rt: AccountsRuntime, input: SettingChange, context: RequestContext): Promise<Setting> {
  const outcome = await putOne(rt, ownerOf(context), input, context);
  await rt.readModels.waitFor(SETTINGS_PROJECTION, outcome.position);
  return outcome.data;
}

/** Each item as its own PUT; items of one key apply in the order given. */
export async function batchSettings(
  rt: AccountsRuntime,
  input: { settings: Record<string, unknown>[] },
  context: RequestContext,
): Promise<z.output<typeof batchSettingsResultSchema>> {
  const ownerId = ownerOf(context);
  const { results, summary, lastPosition } = await runItems({
    items: input.settings,
    schema: settingChangeSchema,
    lane: (change: SettingChange) => change.key,
    logger: rt.logger,
    run: (change) => putOne(rt, ownerId, change, context),
  });
  await rt.readModels.waitFor(SETTINGS_PROJECTION, lastPosition);
  return { results, summary };
}

async function putOne(
  rt: AccountsRuntime,
  ownerId: string,
  change: SettingChange,
  context: RequestContext,
): Promise<ItemOutcome<Setting>> {
  const now = rt.now();
  const result = await execute(
    rt,
    settingStream(ownerId, change.key),
    settingDecider,
    {
      type: 'PutSetting',
      ownerId,
      key: change.key,
      value: change.value,
      expectedVersion: change.version,
      now: isoAt(now),
    },
    context,
    now,
  );
  return { data: toSettingView(result.state as ExistingSetting), position: result.append?.position };
}
