// Errors of outbound HTTP calls (audit-model probes, partner webhooks), one stable code each.

export const OUTBOUND_ERRORS = {
  OUTBOUND_BAD_URL: 'the URL {url} cannot be called: {detail}',
  OUTBOUND_PRIVATE_ADDRESS:
    '{target}, which is refused for outbound calls; pass allowPrivate (--allow-private) to call it anyway',
  OUTBOUND_DNS: 'cannot resolve {host}: {detail}',
  OUTBOUND_TIMEOUT: 'the call to {url} took longer than {ms} ms and was aborted',
  OUTBOUND_TOO_LARGE: 'the response from {url} is larger than {limit} bytes and was aborted',
  OUTBOUND_NETWORK: 'the call to {url} failed: {detail}',
} as const;

export type OutboundErrorCode = keyof typeof OUTBOUND_ERRORS;

/** An outbound call that was refused or failed; `code` says which, the message says what to do. */
export class OutboundError extends Error {
  readonly code: OutboundErrorCode;
  constructor(code: OutboundErrorCode, vars: Record<string, string | number>) {
    super(
      OUTBOUND_ERRORS[code].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`)),
    );
    this.name = 'OutboundError';
    this.code = code;
  }
}
