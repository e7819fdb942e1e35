// JSON schemas of the admin API. Response schemas are allow-lists (Fastify serializes only the fields
// named here), so a hash or secret added to a record by mistake never leaves the server. The fields
// match the views in accounts/views.ts; schemas.test.ts checks that they agree.

const nullableString = { type: ['string', 'null'] } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

export const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rpm: { type: 'integer', minimum: 1 },
    tpm: { type: 'integer', minimum: 1 },
    daily_tokens: { type: 'integer', minimum: 1 },
  },
} as const;

export const accountSchema = {
  type: 'object',
  required: ['id', 'name', 'status'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: ['active', 'suspended', 'terminated'] },
    status_reason: nullableString,
    status_actor: nullableString,
    partner: nullableString,
    external_id: nullableString,
    limits: limitsSchema,
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

export const usageSchema = {
  type: 'object',
  required: ['requests', 'tokens', 'days'],
  properties: {
    requests: { type: 'integer' },
    tokens: { type: 'integer' },
    days: {
      type: 'array',
      items: {
        type: 'object',
        required: ['date', 'requests', 'tokens'],
        properties: { date: { type: 'string' }, requests: { type: 'integer' }, tokens: { type: 'integer' } },
      },
    },
  },
} as const;

export const riskSchema = {
  type: ['object', 'null'],
  properties: {
    risk: { type: 'number' },
    verdict: { type: 'string' },
    requests: { type: 'integer' },
    detected_after: { type: ['integer', 'null'] },
    // Detector evidence as the detection engine wrote it (any JSON).
    signals: {},
    updated_at: timestamp,
  },
} as const;

export const accountDetailSchema = {
  type: 'object',
  required: [...accountSchema.required, 'case', 'usage', 'risk'],
  properties: {
    ...accountSchema.properties,
    case: { type: ['object', 'null'], properties: { id: { type: 'string' } } },
    usage: usageSchema,
    risk: riskSchema,
  },
} as const;

export const keySchema = {
  type: 'object',
  required: ['id', 'prefix'],
  properties: {
    id: { type: 'string' },
    prefix: { type: 'string' },
    name: nullableString,
    account_id: nullableString,
    partner_id: nullableString,
    limits: limitsSchema,
    created_at: timestamp,
    revoked_at: nullableTimestamp,
    last_used_at: nullableTimestamp,
  },
} as const;

/** The one response that carries a secret: the new key, shown once. */
export const createdKeySchema = {
  type: 'object',
  required: ['id', 'key', 'prefix', 'account', 'partner'],
  properties: {
    id: { type: 'string' },
    key: { type: 'string' },
    prefix: { type: 'string' },
    account: nullableString,
    partner: nullableString,
  },
} as const;

export const partnerSchema = {
  type: 'object',
  required: ['id', 'name', 'status'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    webhook_url: nullableString,
    has_webhook_secret: { type: 'boolean' },
    created_at: timestamp,
  },
} as const;

export const whoamiSchema = {
  type: 'object',
  required: ['id', 'role', 'partner'],
  properties: {
    id: { type: 'string' },
    role: { type: 'string' },
    partner: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  required: ['role', 'token_id', 'partner'],
  properties: {
    role: { type: 'string' },
    token_id: { type: 'string' },
    partner: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: nullableString,
        code: { type: 'string' },
      },
    },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const reasonBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;

/** suspend / reinstate / terminate: a reason, and conditions for a reinstatement. */
export const transitionBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
    conditions: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 2000 } },
  },
} as const;

export const createAccountBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    partner: { type: 'string', minLength: 1, maxLength: 200 },
    external_id: { type: 'string', minLength: 1, maxLength: 128 },
    limits: limitsSchema,
  },
} as const;

export const createKeyBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    limits: limitsSchema,
  },
} as const;

export const createPartnerBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    webhook_url: { type: 'string', minLength: 1, maxLength: 2000 },
    webhook_secret: { type: 'string', minLength: 16, maxLength: 256 },
  },
} as const;

export const listAccountsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['active', 'suspended', 'terminated'] },
    partner: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const usageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: 366 } },
} as const;

/** Error responses every route may give (documented; Fastify serializes them with these schemas). */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
} as const;
