// The quality benchmark's pipeline: register the served outputs over several accounts, trace every
// desensitized copy and every never-served document, and return the raw per-document results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentSecret } from '../../src/config/deployment-secret.js';
import { openRegistry } from '../../src/provenance/index.js';
import { normalizeText } from '../../src/provenance/normalize/index.js';
import type { CalibrationLanguage } from '../../src/provenance/trace/calibration.js';
import { documentLanguage } from '../../src/provenance/trace/evidence.js';
import type { TraceResult } from '../../src/provenance/types.js';
import { openStore } from '../../src/store/open-store.js';
import { loadNeverServed, loadServed, type NeverServedItem, type ServedItem, unitHash } from './corpora.js';
import {
  desensitize,
  TRANSFORMS,
  type Transform,
  type TransformContext,
  toTraditional,
} from './desensitize.js';

export const ACCOUNTS = 8;

export interface PositiveRecord {
  /** The calibration language trace gives the document (documentLanguage of its words). */
  language: CalibrationLanguage;
  /** Normalized words of the document. */
  words: number;
  transform: Transform;
  item: ServedItem;
  account: string;
  result: TraceResult;
}

export interface NegativeRecord {
  language: CalibrationLanguage;
  words: number;
  item: NeverServedItem;
  result: TraceResult;
}

export interface QualityRun {
  served: ServedItem[];
  positives: PositiveRecord[];
  negatives: NegativeRecord[];
  traceSeconds: number;
}

function languageOf(text: string): { language: CalibrationLanguage; words: number } {
  const { words } = normalizeText(text);
  return { language: documentLanguage(words), words: words.length };
}

export function accountOf(item: ServedItem): string {
  return `account-${Math.floor(unitHash(`account|${item.id}`) * ACCOUNTS) + 1}`;
}

function vocabulary(texts: string[], pattern: RegExp, limit: number): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const m of t.matchAll(pattern)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([w]) => w);
}

export async function runQuality({ log = (_: string) => {} } = {}): Promise<QualityRun> {
  const served = loadServed();
  const neverServed = loadNeverServed();
  log(`served outputs: ${served.length}; never-served documents: ${neverServed.length}`);
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-provenance-'));
  const store = await openStore(`sqlite:${join(dir, 'warden.db')}`);
  try {
    const now = Date.now();
    for (let a = 1; a <= ACCOUNTS; a++) {
      await store.db
        .insertInto('accounts')
        .values({
          id: `acc_${a}`,
          name: `account-${a}`,
          status: 'active',
          status_reason: null,
          partner_id: null,
          external_id: null,
          limits: null,
          allowed_uses: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    const registry = await openRegistry(store, new DeploymentSecret(Buffer.alloc(32, 0x5a)));
    for (let i = 0; i < served.length; i += 1000) {
      await registry.ingest(
        served.slice(i, i + 1000).map((item) => ({
          id: item.id,
          accountId: `acc_${accountOf(item).slice('account-'.length)}`,
          keyId: null,
          channel: 'direct',
          endCustomer: null,
          ts: now,
          prompt: item.prompt,
          text: item.text,
        })),
      );
    }
    const human = neverServed.filter((n) => n.kind === 'human');
    const context: TransformContext = {
      vocabulary: {
        en: vocabulary(
          human.filter((h) => h.lang === 'en').map((h) => h.text),
          /\p{Ll}{2,}/gu,
          20_000,
        ),
        zh: vocabulary(
          human.filter((h) => h.source === 'C4 thucnews').map((h) => h.text),
          /\p{sc=Han}{2}/gu,
          20_000,
        ),
      },
      hosts: {
        en: human.filter((h) => h.source === 'C3 bbc').map((h) => h.text),
        zh: human.filter((h) => h.source === 'C4 thucnews').map((h) => h.text),
      },
    };
    const documents: { id: string; text: string }[] = [];
    const positives: Omit<PositiveRecord, 'result' | 'language' | 'words'>[] = [];
    const zh = served.filter((s) => s.lang === 'zh');
    const traditional = toTraditional(zh.map((s) => s.text));
    for (const transform of TRANSFORMS) {
      if (transform === 'zh-traditional') {
        zh.forEach((item, i) => {
          documents.push({ id: `${transform}|${item.id}`, text: traditional[i] });
          positives.push({ transform, item, account: accountOf(item) });
        });
        continue;
      }
      for (const item of served) {
        documents.push({ id: `${transform}|${item.id}`, text: desensitize(transform, item, context) });
        positives.push({ transform, item, account: accountOf(item) });
      }
    }
    log(`desensitized documents: ${documents.length}`);
    const started = performance.now();
    const positiveResults = await registry.trace(documents, { fpr: 1 });
    const negativeResults = await registry.trace(
      neverServed.map((n) => ({ id: n.id, text: n.text })),
      { fpr: 1 },
    );
    const traceSeconds = (performance.now() - started) / 1000;
    await registry.close();
    return {
      served,
      positives: positives.map((p, i) => ({
        ...p,
        ...languageOf(documents[i].text),
        result: positiveResults[i],
      })),
      negatives: neverServed.map((item, i) => ({
        item,
        ...languageOf(item.text),
        result: negativeResults[i],
      })),
      traceSeconds,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
