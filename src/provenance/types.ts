// The provenance concern's public types (re-exported by src/provenance/index.ts).

/** One output the gateway served (or a backfilled one), as the registry ingests it. */
export interface ServedOutput {
  id: string;
  accountId: string;
  accountName?: string;
  keyId: string | null;
  channel: string;
  endCustomer: string | null;
  /** Epoch milliseconds. */
  ts: number;
  /** The request the output answered (its text), so that spans copied from it are not fingerprinted. */
  prompt: string | null;
  text: string;
}

export interface TraceOptions {
  /** Target false-positive rate per document (default 0.001). */
  fpr?: number;
  onProgress?: (done: number, total: number) => void;
  /** Include highlight spans and the served texts still retained (for the HTML report). */
  detail?: boolean;
}

export interface RegistryOptions {
  /** Days raw output texts (and prompts) are kept; 0 keeps none. Default 30. */
  retentionDays?: number;
  /** Share of outputs with a prompt sampled into the canary set. Default 0.01. */
  canaryRate?: number;
  /** The first outputs (with a prompt) of each account that always become canaries. Default 20. */
  canariesPerAccount?: number;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
  /**
   * Worker threads that fingerprint large ingest batches besides the calling thread (0: none).
   * Default: one per core beyond the first, at most 3.
   */
  fingerprintThreads?: number;
}

/** One served output a document matched. */
export interface TraceMatch {
  output: string;
  /** Account name (its id when the account is not in the accounts table). */
  account: string;
  accountId: string;
  servedAt: number;
  score: number;
  sharedFingerprints: number;
  outputFingerprints: number;
  /** Share of the document covered by this output's matched text. */
  coverage: number;
  /** Share of this output's fingerprints found in the document. */
  containment: number;
  /**
   * Share of the document inside chains of matches that line up with this output (same order, same
   * distances): what the score counts as explained when words were substituted between the matches.
   */
  alignedCoverage: number;
  fpr: number;
  /** With `detail`: character ranges of the document that matched. */
  documentSpans?: [number, number][];
  /** With `detail`, while retained: the served text and its matched ranges. */
  servedText?: string;
  servedSpans?: [number, number][];
}

export interface TraceResult {
  id: string;
  /** null: too short to decide (fewer normalized words than the winnowing guarantee). */
  match: boolean | null;
  /** The account of the strongest match. */
  account: string | null;
  /** 0–1, the strongest candidate's score (also when it is not a match). */
  score: number;
  /** Matched output ids, strongest first. */
  outputs: string[];
  /** Share of the document covered by served text (matched outputs; the best candidate if none). */
  coverage: number;
  /** Estimated false-positive rate at this score (calibrated on never-served text). */
  fpr: number;
  /** Every account a matched output was served to. */
  accounts: string[];
  matches: TraceMatch[];
}

export interface Registry {
  /** Fingerprints and stores outputs; idempotent by id. */
  ingest(outputs: ServedOutput[]): Promise<void>;
  trace(documents: { id: string; text: string }[], options?: TraceOptions): Promise<TraceResult[]>;
  close(): Promise<void>;
}

export interface AccountTraceSummary {
  account: string;
  /** Documents with a match attributed to this account. */
  documents: number;
  /** documents / all documents traced. */
  share: number;
  /** Distinct outputs of this account found. */
  outputs: number;
}

export interface TraceSummary {
  documents: number;
  matched: number;
  unmatched: number;
  tooShort: number;
  accounts: AccountTraceSummary[];
}
