// Row types of the provenance tables (migrations 004-provenance and 005-provenance-jobs).
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

/** A trace or model-audit job of the admin API. */
export interface ProvenanceJobsTable {
  id: string;
  kind: 'trace' | 'audit-model';
  /** The uploaded file's name (trace) or the audited model (audit-model). */
  name: string;
  /** The audited endpoint (audit-model only). */
  endpoint: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error: string | null;
  /** JSON array of strings. */
  problems: string;
  /** JSON: the trace's TraceSummary, or the model audit's report. */
  summary: string | null;
  created_at: number;
  finished_at: number | null;
  created_by: string;
  /** The process running the job (random per process). */
  runner: string;
  /** When the runner last said it was alive (epoch ms). */
  heartbeat_at: number;
}

/** One traced document of a trace job. */
export interface ProvenanceJobResultsTable {
  job_id: string;
  /** The document's position in the upload. */
  seq: number;
  /** 1 when the document matched, else 0. */
  matched: number;
  score: number;
  /** JSON: the TraceResult. */
  result: string;
  /** The document's text (whole when matched, else the part a view shows). */
  text: string;
}

export interface ProvenanceTables {
  provenance_outputs: ProvenanceOutputsTable;
  provenance_segments: ProvenanceSegmentsTable;
  provenance_texts: ProvenanceTextsTable;
  provenance_canaries: ProvenanceCanariesTable;
  provenance_jobs: ProvenanceJobsTable;
  provenance_job_results: ProvenanceJobResultsTable;
}
