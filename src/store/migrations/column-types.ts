// Column types that differ between the dialects, in one place.
import type { DialectName } from '../store.js';

/** An auto-incrementing 64-bit primary key column type ("seq" columns). */
export function serialType(dialect: DialectName): 'integer' | 'bigserial' {
  return dialect === 'postgres' ? 'bigserial' : 'integer';
}

/** A floating-point column type. */
export function doubleType(dialect: DialectName): 'real' | 'double precision' {
  return dialect === 'postgres' ? 'double precision' : 'real';
}

/** A binary column type. */
export function blobType(dialect: DialectName): 'blob' | 'bytea' {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}
