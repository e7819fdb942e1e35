import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeploymentSecret } from '../config/deployment-secret.js';
import {
  parsePublicKey,
  signTreeHead,
  treeHeadSignatureInput,
  verifyTreeHeadSignature,
} from './tree-head.js';

const keys = new DeploymentSecret(randomBytes(32)).auditSigningKeys();
const head = {
  tree_size: 8,
  root_hash: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  timestamp: 1_764_000_000_000,
};

describe('signed tree heads', () => {
  it('signs the RFC 6962 §3.5 TreeHeadSignature bytes', () => {
    const bytes = treeHeadSignatureInput(head);
    expect(bytes.length).toBe(50);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0, 1]));
    expect(bytes.readBigUInt64BE(2)).toBe(BigInt(head.timestamp));
    expect(bytes.readBigUInt64BE(10)).toBe(8n);
    expect(bytes.subarray(18).toString('hex')).toBe(head.root_hash);
  });

  it('verifies with the raw base64 key and the PEM key, and fails on any change', () => {
    const signed = signTreeHead(head, keys);
    expect(Buffer.from(signed.public_key, 'base64')).toHaveLength(32);
    const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(verifyTreeHeadSignature(signed, signed.public_key)).toBe(true);
    expect(verifyTreeHeadSignature(signed, pem)).toBe(true);
    expect(parsePublicKey(signed.public_key).equals(keys.publicKey)).toBe(true);
    expect(verifyTreeHeadSignature({ ...signed, tree_size: 9 }, pem)).toBe(false);
    expect(verifyTreeHeadSignature({ ...signed, timestamp: signed.timestamp + 1 }, pem)).toBe(false);
    expect(verifyTreeHeadSignature({ ...signed, root_hash: '00'.repeat(32) }, pem)).toBe(false);
    expect(verifyTreeHeadSignature({ ...signed, signature: 'not base64!' }, pem)).toBe(false);
    const otherKey = new DeploymentSecret(randomBytes(32)).auditSigningKeys().publicKey;
    expect(verifyTreeHeadSignature(signed, otherKey)).toBe(false);
    expect(verifyTreeHeadSignature(signed, 'garbage')).toBe(false);
  });
});
