// Admin API of the audit log, mounted under /admin/v1 (docs/audit-log.md, docs/enforcement.md):
// list entries (cursor pagination), the current signed tree head, publish a head, verify the whole
// log, and the inclusion proof of one entry. Readers may read and verify; only an admin publishes.
import type { FastifyInstance } from 'fastify';
import {
  getAuditEntry,
  inclusionProof,
  latestTreeHead,
  listAuditEntries,
  signedTreeHead,
  verifyAuditLog,
} from '../audit/index.js';
import { MerkleTree } from '../audit/merkle.js';
import { readLeafHashes } from '../audit/read-log.js';
import { type SignedTreeHead, signTreeHead } from '../audit/tree-head.js';
import type { DeploymentSecret } from '../config/deployment-secret.js';
import { WardenError } from '../errors.js';
import { ADMIN_ONLY, READ_ROLES } from '../gateway/admin/auth.js';
import { errorResponses } from '../gateway/admin/schemas.js';
import type { Store } from '../store/store.js';

const headSchema = {
  type: 'object',
  required: ['tree_size', 'root_hash', 'timestamp', 'signature', 'public_key'],
  properties: {
    tree_size: { type: 'integer' },
    root_hash: { type: 'string' },
    timestamp: { type: 'integer' },
    signature: { type: 'string' },
    public_key: { type: 'string' },
  },
} as const;

const entrySchema = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    ts: { type: 'integer' },
    actor: { type: 'string' },
    action: { type: 'string' },
    subject: { type: 'string' },
    details: {},
    leaf_hash: { type: 'string' },
  },
} as const;

/** Signs the current tree without storing the head (POST /audit/heads stores one). */
export async function currentTreeHead(store: Store, secret: DeploymentSecret): Promise<SignedTreeHead> {
  const leaves = await readLeafHashes(store);
  const tree = new MerkleTree(leaves);
  return signTreeHead(
    { tree_size: leaves.length, root_hash: tree.root().toString('hex'), timestamp: Date.now() },
    secret.auditSigningKeys(),
  );
}

export function auditAdminRoutes({ store, secret }: { store: Store; secret: DeploymentSecret }) {
  return async function auditRoutes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: { after?: number; limit?: number; subject?: string } }>(
      '/audit/entries',
      {
        config: { allow: READ_ROLES },
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              after: { type: 'integer', minimum: -1 },
              limit: { type: 'integer', minimum: 1, maximum: 1000 },
              subject: { type: 'string', minLength: 1, maxLength: 300 },
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['entries', 'next_after'],
              properties: {
                entries: { type: 'array', items: entrySchema },
                next_after: { type: ['integer', 'null'] },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 100;
        const entries = await listAuditEntries(store, {
          after: request.query.after,
          limit,
          subject: request.query.subject,
        });
        return {
          entries: entries.map((e) => ({ ...e, leaf_hash: e.leafHash })),
          next_after: entries.length === limit ? entries[entries.length - 1].index : null,
        };
      },
    );

    app.get(
      '/audit/head',
      {
        config: { allow: READ_ROLES },
        schema: {
          response: {
            200: {
              type: 'object',
              required: ['head', 'published'],
              properties: {
                head: headSchema,
                published: { type: ['object', 'null'], properties: headSchema.properties },
              },
            },
            ...errorResponses,
          },
        },
      },
      async () => {
        try {
          return { head: await currentTreeHead(store, secret), published: await latestTreeHead(store) };
        } catch (error) {
          throw new WardenError('ADMIN_CONFLICT', { detail: (error as Error).message });
        }
      },
    );

    app.post(
      '/audit/heads',
      { config: { allow: ADMIN_ONLY }, schema: { response: { 201: headSchema, ...errorResponses } } },
      async (_request, reply) => {
        try {
          return reply.code(201).send(await signedTreeHead(store, secret));
        } catch (error) {
          throw new WardenError('ADMIN_CONFLICT', { detail: (error as Error).message });
        }
      },
    );

    app.post(
      '/audit/verify',
      {
        config: { allow: READ_ROLES },
        schema: {
          response: {
            200: {
              type: 'object',
              required: ['ok', 'entries', 'firstBadIndex', 'reason', 'head'],
              properties: {
                ok: { type: 'boolean' },
                entries: { type: 'integer' },
                heads: { type: 'integer' },
                firstBadIndex: { type: ['integer', 'null'] },
                reason: { type: ['string', 'null'] },
                head: { type: ['object', 'null'], properties: headSchema.properties },
              },
            },
            ...errorResponses,
          },
        },
      },
      async () => verifyAuditLog(store, secret),
    );

    app.get<{ Params: { index: number }; Querystring: { tree_size?: number } }>(
      '/audit/entries/:index/proof',
      {
        config: { allow: READ_ROLES },
        schema: {
          params: {
            type: 'object',
            required: ['index'],
            properties: { index: { type: 'integer', minimum: 0 } },
          },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { tree_size: { type: 'integer', minimum: 1 } },
          },
          response: {
            200: {
              type: 'object',
              required: ['entry', 'proof'],
              properties: {
                entry: entrySchema,
                proof: {
                  type: 'object',
                  properties: {
                    index: { type: 'integer' },
                    tree_size: { type: 'integer' },
                    leaf_hash: { type: 'string' },
                    audit_path: { type: 'array', items: { type: 'string' } },
                    root_hash: { type: 'string' },
                  },
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const entry = await getAuditEntry(store, request.params.index);
        if (!entry)
          throw new WardenError('ADMIN_NOT_FOUND', { what: 'audit entry', id: String(request.params.index) });
        try {
          const proof = await inclusionProof(store, request.params.index, request.query.tree_size);
          return { entry: { ...entry, leaf_hash: entry.leafHash }, proof };
        } catch (error) {
          if (error instanceof RangeError) throw new WardenError('ADMIN_INVALID', { detail: error.message });
          throw new WardenError('ADMIN_CONFLICT', { detail: (error as Error).message });
        }
      },
    );
  };
}
