// The audit log's public face: an append-only, tamper-evident log of every account, key, partner,
// policy and case change and admin login, as a Merkle tree in the style of RFC 6962 (Certificate
// Transparency) with Ed25519-signed tree heads, inclusion and consistency proofs, and a verifier.
export {
  appendAuditEntry,
  auditedTransaction,
  getAuditEntry,
  type ListAuditEntriesOptions,
  listAuditEntries,
} from './append-entry.js';
export {
  type AuditEntry,
  type AuditEntryFields,
  type AuditEntryInput,
  canonicalEntryBytes,
  entryLeafHash,
} from './audit-entry.js';
export {
  type ConsistencyProof,
  consistencyProof,
  type InclusionProof,
  inclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './proofs.js';
export { latestTreeHead, listTreeHeads, publishedTreeHead, signedTreeHead } from './publish-head.js';
export {
  parsePublicKey,
  rawPublicKeyBase64,
  type SignedTreeHead,
  type TreeHead,
  treeHeadSignatureInput,
  verifyTreeHeadSignature,
} from './tree-head.js';
export { type AuditLogVerification, verifyAuditLog } from './verify-log.js';
