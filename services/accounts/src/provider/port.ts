/**
 * The port through which `refresh-token` and `check-status` reach an account's provider. The account
 * handlers see only outcomes, never HTTP: `rejected` means the provider refused the account's
 * credentials (the account becomes `expired`), `failed` means the provider could not be asked or
 * answered nonsense, even after retries (the account's status becomes `error`; the credentials may
 * still be good). Neither outcome ever carries a token.
 */
import { DomainError } from '@cairn/shared/http';

export interface RefreshTokenInput {
  /** The account's provider name, for logs (one provider configuration serves every name for now). */
  readonly provider: string;
  readonly refreshToken: string;
  /** Absolute time (ms since epoch) by which to have an answer, e.g. the request's deadline. */
  readonly deadline?: number;
}

export interface UsageInput {
  readonly provider: string;
  readonly accessToken: string;
  readonly deadline?: number;
}

/** The provider could not be asked, or answered in a way that says nothing about the credentials. */
export interface ProviderFailed {
  readonly kind: 'failed';
  readonly reason: string;
  /** HTTP requests made (0 when none could be). */
  readonly attempts: number;
}

/** The provider refused the credentials: they are expired, revoked or unknown. */
export interface ProviderRejected {
  readonly kind: 'rejected';
  /** The provider's OAuth2 error code (e.g. `invalid_grant`) or `HTTP <status>`. */
  readonly reason: string;
}

export interface TokenRefreshed {
  readonly kind: 'refreshed';
  readonly accessToken: string;
  /** Present when the provider rotated the refresh token: the old one must not be used again. */
  readonly refreshToken?: string;
  /** ISO time the access token stops working; null when the provider did not say. */
  readonly expiresAt: string | null;
}

export interface UsageReported {
  readonly kind: 'usage';
  readonly used: number;
  readonly limit: number;
}

export type RefreshOutcome = TokenRefreshed | ProviderRejected | ProviderFailed;
export type UsageOutcome = UsageReported | ProviderRejected | ProviderFailed;

export interface AccountProvider {
  /** OAuth2 refresh-token grant (RFC 6749 §6). */
  refreshToken(input: RefreshTokenInput): Promise<RefreshOutcome>;
  /** The account's current usage, asked with its access token. */
  usage(input: UsageInput): Promise<UsageOutcome>;
}

/**
 * What an operation answers when no provider is configured: the server, not the account, is at
 * fault, so nothing about the account changes.
 */
export const providerNotConfigured = (): DomainError =>
  new DomainError('SERVICE_UNAVAILABLE', 'account provider not configured');
