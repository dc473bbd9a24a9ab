import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { evolveOrg, initialOrgState, type OrgEvent, type OrgState } from './org.js';

export type OrgCommand = {
  readonly type: 'CreateOrg';
  readonly orgId: string;
  readonly name: string;
  readonly now: string;
};

export function decideOrg(command: OrgCommand, state: OrgState): readonly OrgEvent[] {
  switch (command.type) {
    case 'CreateOrg':
      if (state.kind !== 'absent') throw new DomainError('CONFLICT', 'Organisation already exists');
      return [{ type: 'OrgCreated', data: { orgId: command.orgId, name: command.name, at: command.now } }];
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export const orgDecider: Decider<OrgCommand, OrgState, OrgEvent> = {
  initialState: initialOrgState,
  evolve: evolveOrg,
  decide: decideOrg,
};
