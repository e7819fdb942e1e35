// Safe outbound HTTP (SSRF-resistant): the one way Warden calls URLs that users or partners supply.
export { refusedAddressRange } from './address-policy.js';
export { OUTBOUND_ERRORS, OutboundError, type OutboundErrorCode } from './outbound-error.js';
export {
  checkOutboundUrl,
  parseOutboundUrl,
  resolveOutboundHost,
  type SafeFetchOptions,
  type SafeFetchResponse,
  safeFetch,
} from './safe-fetch.js';
