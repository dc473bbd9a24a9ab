/**
 * The machine-id configuration (CONTRACT.md "Accounts v2"): read and save the calling user's. Both read
 * the configuration's own stream, so a GET right after a PUT shows it; there is no list to project.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { MachineIdConfig, MachineIdSettings } from '@cairn/shared/contracts';
import { ownerOf } from '../library/owner.js';
import { readState } from '../library/streams.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { machineConfigStream, toMachineConfigView } from './config.js';
import { machineConfigDecider } from './decideConfig.js';

export async function getMachineIdConfig(
  rt: AccountsRuntime,
  _input: unknown,
  context: RequestContext,
): Promise<MachineIdConfig> {
  return toMachineConfigView(await readState(rt.store, machineConfigStream(ownerOf(context)), machineConfigDecider));
}

export async function putMachineIdConfig(
  rt: AccountsRuntime,
  input: MachineIdSettings & { version?: number | undefined },
  context: RequestContext,
): Promise<MachineIdConfig> {
  const ownerId = ownerOf(context);
  const { version, ...settings } = input;
  const now = rt.now();
  const result = await execute(
    rt,
    machineConfigStream(ownerId),
    machineConfigDecider,
    { type: 'SaveMachineConfig', ownerId, settings, expectedVersion: version, now: isoAt(now) },
    context,
    now,
  );
  return toMachineConfigView(result.state);
}
