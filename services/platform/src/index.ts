export { httpUrl, type Platform, type PlatformOptions, startPlatform } from './platform.js';
export { isServiceName, SERVICE_NAMES, SERVICES, type ServiceEntry, type ServiceName } from './services.js';
