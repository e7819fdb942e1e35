// The whole database schema as Kysely sees it: each concern's tables, from src/store/tables/.
import type { AuditTables } from './tables/audit.js';
import type { EnforceTables } from './tables/enforce.js';
import type { GatewayTables } from './tables/gateway.js';
import type { ProvenanceTables } from './tables/provenance.js';

export interface Database extends GatewayTables, EnforceTables, AuditTables, ProvenanceTables {}
