// Row types of the provenance tables. Empty until that concern lands.

// biome-ignore lint/complexity/noBannedTypes: filled in by the provenance concern
export type ProvenanceTables = {};
