export { type AuthConfig, authConfigSchema, loadAuthConfig } from './config.js';
export { toIntegrationEvent } from './integration/mapping.js';
export { AUTH_PROJECTIONS, type AuthServiceOptions, startAuthService } from './service.js';
