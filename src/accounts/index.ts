// The accounts concern's public face: accounts, API keys, partners and their end customers, admin
// tokens, usage, and the state-change feed that keeps gateway caches fresh.

export { describeAccount } from './account-details.js';
export {
  type CreateAccountOptions,
  createAccount,
  findEndCustomer,
  getAccount,
  getAccountIn,
  type ListAccountsOptions,
  listAccounts,
  requireAccount,
  setAccountLimits,
  setAccountStatus,
} from './accounts.js';
export {
  type CreateAdminTokenOptions,
  type CreatedAdminToken,
  createAdminToken,
  findAdminToken,
  revokeAdminToken,
  touchAdminToken,
} from './admin-tokens.js';
export {
  type CreateApiKeyOptions,
  type CreatedApiKey,
  createApiKey,
  findKeyByHash,
  type ListApiKeysOptions,
  listApiKeys,
  requireApiKey,
  revokeApiKey,
  touchKeys,
} from './api-keys.js';
export {
  type CreatePartnerOptions,
  createPartner,
  getPartner,
  getPartnerWebhookSecret,
  listPartners,
  requirePartner,
} from './partners.js';
export { generateAdminToken, generateApiKey, hashesEqual, hashSecret } from './secrets.js';
export {
  latestStateChange,
  recordStateChange,
  type StateChangeKind,
  stateChangesSince,
} from './state-changes.js';
export {
  partnerOfActor,
  TRANSITION_TARGET,
  type TransitionAction,
  type TransitionOptions,
  type TransitionResult,
  transitionAccount,
} from './transitions.js';
export * from './types.js';
export { getAccountRisk, getUsage, type UsageOptions } from './usage.js';
export {
  type AccountDetailView,
  type AccountView,
  accountDetailView,
  accountView,
  type KeyView,
  keyView,
  type PartnerView,
  partnerView,
  type RiskView,
  riskView,
} from './views.js';
