// Row types of the provenance tables (migration 004-provenance).
import type { Generated } from 'kysely';

export interface ProvenanceOutputsTable {
  /** Dense integer id the fingerprint postings refer to. */
  ordinal: Generated<number>;
  id: string;
  account_id: string;
  key_id: string | null;
  channel: string;
  end_customer: string | null;
  ts: number;
  /** How many fingerprints the output has (0 when it was too short or all copied from the prompt). */
  fingerprints: number;
}

export interface ProvenanceSegmentsTable {
  id: Generated<number>;
  base_ordinal: number;
  outputs: number;
  postings: number;
  /** Postings (keyed fingerprint → ordinal), see src/provenance/registry/posting-codec.ts. */
  data: Uint8Array;
  /** JSON array of the segment ids a compaction merged into this one; null for an ingest batch. */
  merged_from: string | null;
  created_at: number;
}

export interface ProvenanceTextsTable {
  ordinal: number;
  prompt: string | null;
  text: string;
  expires_at: number;
}

export interface ProvenanceCanariesTable {
  output_id: string;
  account_id: string;
  prompt: string;
  output: string;
  ts: number;
}

export interface ProvenanceTables {
  provenance_outputs: ProvenanceOutputsTable;
  provenance_segments: ProvenanceSegmentsTable;
  provenance_texts: ProvenanceTextsTable;
  provenance_canaries: ProvenanceCanariesTable;
}
