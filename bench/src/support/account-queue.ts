/**
 * Accounts a load generator writes to, each with the version it must name next. An account is taken
 * while a write to it is in flight and given back when the answer (and so its new version) is known,
 * so no two writes ever race on one account: every write carries the right current version, and a
 * VERSION_CONFLICT in the results means the server got it wrong, not the benchmark.
 */

export interface VersionedAccount {
  readonly id: string;
  version: number;
}

export class AccountQueue {
  private readonly idle: VersionedAccount[];
  private head = 0;

  constructor(accounts: readonly { readonly id: string; readonly version: number }[]) {
    this.idle = accounts.map((a) => ({ id: a.id, version: a.version }));
  }

  /** The account idle the longest, or undefined when every one has a write in flight. */
  take(): VersionedAccount | undefined {
    if (this.head >= this.idle.length) return undefined;
    const account = this.idle[this.head++]!;
    // Compact now and then so the array does not grow without end.
    if (this.head > 1024 && this.head * 2 > this.idle.length) {
      this.idle.splice(0, this.head);
      this.head = 0;
    }
    return account;
  }

  /** Back at the end of the queue, at `version` (the one the server answered, or told in a conflict). */
  give(account: VersionedAccount, version: number): void {
    account.version = version;
    this.idle.push(account);
  }

  get idleCount(): number {
    return this.idle.length - this.head;
  }
}
