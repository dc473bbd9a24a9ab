export {
  type CloudEvent,
  cloudEventHeaders,
  type IntegrationMapper,
  type IntegrationMessage,
  integrationSubject,
  toCloudEvent,
} from './cloudevent.js';
export { relayMetrics } from './metrics.js';
export { IntegrationRelay, type RelayOptions } from './relay.js';
