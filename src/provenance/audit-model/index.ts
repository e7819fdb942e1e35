// warden audit-model: evidence that a suspect model learned from our served outputs.
export {
  AuditFileError,
  readAnswerFile,
  readCanaryFile,
  referenceName,
} from './answer-files.js';
export {
  type AuditModelOptions,
  type AuditModelResult,
  AuditUsageError,
  type AuditVerdict,
  auditModel,
  decideVerdict,
  sampleCanaries,
} from './audit-model.js';
export { escapeHtml, renderAuditReport } from './audit-report.js';
export {
  type Canary,
  type CanaryComparison,
  type CanaryComparisonOptions,
  type CanaryEvidence,
  compareWithCanaries,
  type ModelAnswer,
  type ReferenceModel,
} from './canary-comparison.js';
export { createChatProber, endpointUrls, mapWithConcurrency } from './chat-prober.js';
export {
  DEFAULT_BRANDS,
  findBrands,
  SELF_IDENTIFICATION_PROMPTS,
  scoreSelfIdentification,
} from './self-identification.js';
export { predictionTest, signFlipTest, studentTSurvival } from './statistics.js';
export { auditTokens, canarySimilarity } from './text-similarity.js';
