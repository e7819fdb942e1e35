// Row types of the audit tables. Empty until that concern lands.

// biome-ignore lint/complexity/noBannedTypes: filled in by the audit concern
export type AuditTables = {};
