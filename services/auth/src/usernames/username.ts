/**
 * Username uniqueness without a unique index: each username is a stream `username-<lowercased>`, and a
 * claim appends to it with expected version `no_stream`. The store's compare-and-set lets exactly one
 * of any number of concurrent claims win.
 */
export const usernameKey = (username: string): string => username.trim().toLowerCase();
export const usernameStream = (username: string): string => `username-${usernameKey(username)}`;

export type UsernameEvent =
  | {
      readonly type: 'UsernameClaimed';
      readonly data: { readonly username: string; readonly userId: string; readonly at: string };
    }
  /** Given back when the user it was claimed for could not be created. */
  | { readonly type: 'UsernameReleased'; readonly data: { readonly userId: string; readonly at: string } };

export type UsernameState =
  | { readonly kind: 'free' }
  | { readonly kind: 'claimed'; readonly userId: string; readonly claimedAt: string };

export const initialUsernameState = (): UsernameState => ({ kind: 'free' });

export function evolveUsername(state: UsernameState, event: UsernameEvent): UsernameState {
  switch (event.type) {
    case 'UsernameClaimed':
      return { kind: 'claimed', userId: event.data.userId, claimedAt: event.data.at };
    case 'UsernameReleased':
      return state.kind === 'claimed' && state.userId === event.data.userId ? { kind: 'free' } : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
