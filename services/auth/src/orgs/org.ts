/** The organisation aggregate (stream `org-<id>`): the boundary that org admins manage within. */
export const orgStream = (orgId: string): string => `org-${orgId}`;
export const ORG_STREAM_PREFIX = 'org-';

export type OrgEvent = {
  readonly type: 'OrgCreated';
  readonly data: { readonly orgId: string; readonly name: string; readonly at: string };
};

export const ORG_EVENT_TYPES: readonly OrgEvent['type'][] = ['OrgCreated'];

export type OrgState =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'existing';
      readonly id: string;
      readonly name: string;
      readonly createdAt: string;
      readonly updatedAt: string;
      readonly version: number;
    };

export const initialOrgState = (): OrgState => ({ kind: 'absent' });

export function evolveOrg(_state: OrgState, event: OrgEvent): OrgState {
  switch (event.type) {
    case 'OrgCreated':
      return {
        kind: 'existing',
        id: event.data.orgId,
        name: event.data.name,
        createdAt: event.data.at,
        updatedAt: event.data.at,
        version: 1,
      };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}
