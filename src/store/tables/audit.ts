// Row types of the audit tables (migration 003-audit).
import type { Generated } from 'kysely';

/** One audit log entry; `entry_index` is dense from 0 and is the entry's leaf position in the tree. */
export interface AuditEntriesTable {
  entry_index: number;
  ts: number;
  actor: string;
  action: string;
  subject: string;
  /** Canonical JSON text of the entry's details object. */
  details: string;
  /** Hex RFC 6962 leaf hash of the entry's canonical bytes. */
  leaf_hash: string;
}

/** A signed tree head as published (RFC 6962 §3.5 fields). */
export interface AuditHeadsTable {
  id: Generated<number>;
  tree_size: number;
  /** Hex Merkle Tree Hash of the first `tree_size` entries. */
  root_hash: string;
  timestamp: number;
  /** Base64 Ed25519 signature over the RFC 6962 TreeHeadSignature bytes. */
  signature: string;
  /** Base64 raw 32-byte Ed25519 public key that made the signature (public, not a secret). */
  public_key: string;
}

export interface AuditTables {
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
}
