// Row types of the enforce tables. Empty until that concern lands.

// biome-ignore lint/complexity/noBannedTypes: filled in by the enforce concern
export type EnforceTables = {};
