// Provenance: the registry of served outputs, `trace` for suspect datasets, the HTML report.
// (audit-model lives in ./audit-model/.)
export { type Canary, listCanaries } from './canaries.js';
export { GUARANTEE_WORDS, KGRAM_WORDS, WINNOW_WINDOW } from './fingerprint/index.js';
export { normalizedForm, normalizeText } from './normalize/index.js';
export { openRegistry } from './registry/registry.js';
export { renderTraceReport, type TraceReportOptions } from './report/index.js';
export { summarizeTrace } from './summary.js';
export { DEFAULT_FPR, falsePositiveRate, scoreThreshold } from './trace/calibration.js';
export type {
  AccountTraceSummary,
  Registry,
  RegistryOptions,
  ServedOutput,
  TraceMatch,
  TraceOptions,
  TraceResult,
  TraceSummary,
} from './types.js';
