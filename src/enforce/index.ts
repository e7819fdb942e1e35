// Enforcement's public face: account actions (suspend, reinstate, terminate, review, throttle) through
// one audited path, cases, policy actions from detection, partner webhooks, and the admin routes.
export {
  type AccountActionOptions,
  type AccountActionResult,
  changeAccountStatus,
  checkConditions,
  type DecideCaseOptions,
  decideCase,
  type OpenCaseOptions,
  openReviewCase,
  type PartnerDecisionOptions,
  raiseEvidenceFloor,
  recordPartnerDecision,
  type ThrottleOptions,
  throttleAccount,
} from './account-actions.js';
export { enforceAdminRoutes } from './admin-routes.js';
export { auditAdminRoutes, currentTreeHead } from './audit-routes.js';
export {
  addCaseNote,
  assignCase,
  type CaseDecision,
  type CaseSummary,
  type CaseView,
  getCase,
  listCases,
  listPolicyActions,
  type PolicyActionView,
  requireCase,
  requireRemediation,
} from './cases.js';
export { type AssessmentEvidence, buildEvidenceSnapshot, type EvidenceSnapshot } from './evidence.js';
export {
  type AppliedPolicyAction,
  applyPolicyActions,
  DEFAULT_THROTTLE_LIMITS,
  type PolicyAssessment,
} from './policy-actions.js';
export {
  getWebhookDelivery,
  listWebhookDeliveries,
  type WebhookDeliveryView,
} from './webhooks/deliveries.js';
export {
  createWebhookDelivery,
  type RunningWebhookDelivery,
  retryDelayMs,
  retryWebhookDelivery,
  type WebhookDeliveryOptions,
} from './webhooks/delivery.js';
export { queueWebhook, type WebhookEventType, type WebhookPayload } from './webhooks/outbox.js';
export {
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
  type WebhookVerification,
} from './webhooks/signature.js';
