// Every stable error code Warden returns or prints, with its HTTP status and message template.
// OpenAI-facing codes keep OpenAI's names; the rest are <AREA>_<WHAT>. docs/errors.md documents each
// code, and errors.test.ts checks that the two agree.

export const ERRORS = {
  // OpenAI-compatible API (what clients of /v1 see)
  invalid_api_key: { status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided.' },
  missing_api_key: {
    status: 401,
    type: 'invalid_request_error',
    message: 'You did not provide an API key. Send it as "Authorization: Bearer <key>".',
  },
  account_suspended: {
    status: 403,
    type: 'permission_error',
    message: 'This account is suspended pending investigation (case {case_id}).',
  },
  account_terminated: { status: 403, type: 'permission_error', message: 'This account has been terminated.' },
  end_customer_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'End customer {end_customer} is not provisioned for this partner.',
  },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    message: 'The model `{model}` does not exist.',
  },
  not_found: { status: 404, type: 'invalid_request_error', message: 'Unknown route {method} {path}.' },
  invalid_json: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request body is not valid JSON: {detail}',
  },
  invalid_request: { status: 400, type: 'invalid_request_error', message: '{detail}' },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    message: 'The request body exceeds the limit of {limit} bytes.',
  },
  rate_limit_exceeded: {
    status: 429,
    type: 'requests',
    message: 'Rate limit reached for {scope} ({limit}). Retry after {retry_after} s.',
  },
  quota_exceeded: { status: 429, type: 'insufficient_quota', message: 'You exceeded your {period} quota.' },
  upstream_error: { status: 502, type: 'api_error', message: 'The upstream model server failed: {detail}' },
  upstream_timeout: {
    status: 504,
    type: 'api_error',
    message: 'The upstream model server timed out after {ms} ms.',
  },
  internal_error: { status: 500, type: 'api_error', message: 'Internal error: {detail}' },
  service_unavailable: { status: 503, type: 'api_error', message: 'Warden cannot serve right now: {detail}' },

  // Admin API
  ADMIN_UNAUTHORIZED: {
    status: 401,
    type: 'admin_error',
    message: 'Send an admin token as "Authorization: Bearer <token>".',
  },
  ADMIN_FORBIDDEN: { status: 403, type: 'admin_error', message: 'Role {role} may not {action}.' },
  ADMIN_NOT_FOUND: { status: 404, type: 'admin_error', message: '{what} {id} was not found.' },
  ADMIN_INVALID: { status: 400, type: 'admin_error', message: '{detail}' },
  ADMIN_CONFLICT: { status: 409, type: 'admin_error', message: '{detail}' },
  ADMIN_TOO_LARGE: { status: 413, type: 'admin_error', message: '{detail}' },
  ACCOUNT_ILLEGAL_TRANSITION: {
    status: 409,
    type: 'admin_error',
    message: 'Account {account} is {from}; it cannot be {action}.',
  },
  CASE_CLOSED: { status: 409, type: 'admin_error', message: 'Case {case_id} is already decided.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a stable code; the HTTP layer renders it in OpenAI's shape. */
export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly extra: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    vars: Record<string, string | number> = {},
    options: { param?: string | null; extra?: Record<string, unknown> } = {},
  ) {
    const spec = ERRORS[code];
    super(spec.message.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`)));
    this.name = 'WardenError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.param = options.param ?? null;
    this.extra = options.extra ?? {};
  }

  toJSON(): { error: Record<string, unknown> } {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.extra },
    };
  }
}
