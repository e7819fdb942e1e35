// Signed tree heads: what is signed, how, and how anyone checks it with the public key alone.
// The signed bytes are RFC 6962 §3.5's TreeHeadSignature structure, so the format is not ours to
// invent: version v1 (0x00), signature_type tree_hash (0x01), uint64 timestamp (ms), uint64
// tree_size, then the 32-byte root hash, big-endian, 50 bytes in all. The signature is Ed25519
// (RFC 8032) over those bytes; the public key is published as base64 of its raw 32 bytes.
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

export interface TreeHead {
  tree_size: number;
  /** Hex Merkle Tree Hash of the first `tree_size` entries. */
  root_hash: string;
  /** Epoch milliseconds when the head was signed. */
  timestamp: number;
}

export interface SignedTreeHead extends TreeHead {
  /** Base64 Ed25519 signature over `treeHeadSignatureInput(head)`. */
  signature: string;
  /** Base64 of the raw 32-byte Ed25519 public key (RFC 8032 encoding) that verifies `signature`. */
  public_key: string;
}

const HEX_HASH = /^[0-9a-f]{64}$/;
// DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the raw 32 bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** RFC 6962 §3.5 TreeHeadSignature bytes of a head (version v1, signature_type tree_hash). */
export function treeHeadSignatureInput(head: TreeHead): Buffer {
  if (!HEX_HASH.test(head.root_hash)) throw new TypeError('root_hash must be 64 lowercase hex characters');
  if (!Number.isSafeInteger(head.tree_size) || head.tree_size < 0) throw new TypeError('bad tree_size');
  if (!Number.isSafeInteger(head.timestamp) || head.timestamp < 0) throw new TypeError('bad timestamp');
  const bytes = Buffer.alloc(2 + 8 + 8 + 32);
  bytes[0] = 0; // Version v1
  bytes[1] = 1; // SignatureType tree_hash
  bytes.writeBigUInt64BE(BigInt(head.timestamp), 2);
  bytes.writeBigUInt64BE(BigInt(head.tree_size), 10);
  Buffer.from(head.root_hash, 'hex').copy(bytes, 18);
  return bytes;
}

/** Base64 of the raw 32-byte Ed25519 public key. */
export function rawPublicKeyBase64(publicKey: KeyObject): string {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

/** A public key from base64 of its raw 32 bytes, a PEM SPKI block, or a KeyObject. */
export function parsePublicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  const text = key.trim();
  if (text.startsWith('-----BEGIN')) return createPublicKey(text);
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== text)
    throw new TypeError('the public key must be base64 of 32 raw Ed25519 bytes, or a PEM block');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function signTreeHead(
  head: TreeHead,
  keys: { privateKey: KeyObject; publicKey: KeyObject },
): SignedTreeHead {
  const signature = sign(null, treeHeadSignatureInput(head), keys.privateKey).toString('base64');
  return {
    tree_size: head.tree_size,
    root_hash: head.root_hash,
    timestamp: head.timestamp,
    signature,
    public_key: rawPublicKeyBase64(keys.publicKey),
  };
}

/**
 * Does the head's signature verify with `publicKey` (base64 raw, PEM, or KeyObject)? Pass the key you
 * trust — the one published out of band — never the head's own `public_key` field. Never throws.
 */
export function verifyTreeHeadSignature(
  head: Pick<SignedTreeHead, 'tree_size' | 'root_hash' | 'timestamp' | 'signature'>,
  publicKey: string | KeyObject,
): boolean {
  try {
    const signature = Buffer.from(head.signature, 'base64');
    if (signature.length !== 64) return false;
    return verify(null, treeHeadSignatureInput(head), parsePublicKey(publicKey), signature);
  } catch {
    return false;
  }
}
