// Reads the JSONL files of a model audit: canaries `{id, prompt, output}`, answers and reference
// answers `{id, output}`. Every bad line is reported with its file and line number.
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Canary, ModelAnswer } from './canary-comparison.js';

/** A file that cannot be used; `problems` lists every bad line as "FILE:LINE: what is wrong". */
export class AuditFileError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more bad line${problems.length > 2 ? 's' : ''})`
        : '';
    super(`${problems[0]}${more}`);
    this.name = 'AuditFileError';
    this.problems = problems;
  }
}

async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AuditFileError([`${path}: cannot read the file (${code ?? (error as Error).message})`]);
  }
}

type FieldSpec = { name: string; required: boolean };

async function readRecords(path: string, fields: FieldSpec[]): Promise<Record<string, string>[]> {
  const lines = await readLines(path);
  const problems: string[] = [];
  const records: Record<string, string>[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${where}: not valid JSON`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: expected a JSON object`);
      return;
    }
    const row = value as Record<string, unknown>;
    const record: Record<string, string> = {};
    for (const field of fields) {
      let v = row[field.name];
      if (field.name === 'id' && typeof v === 'number') v = String(v);
      if (v === undefined || v === null) {
        if (field.required) {
          problems.push(`${where}: missing "${field.name}"`);
          return;
        }
        continue;
      }
      if (typeof v !== 'string') {
        problems.push(`${where}: "${field.name}" must be a string`);
        return;
      }
      record[field.name] = v;
    }
    if (seen.has(record.id)) {
      problems.push(`${where}: duplicate id "${record.id}"`);
      return;
    }
    seen.add(record.id);
    records.push(record);
  });
  if (problems.length > 0) throw new AuditFileError(problems);
  if (records.length === 0) throw new AuditFileError([`${path}: the file holds no records`]);
  return records;
}

/** Canaries: JSONL `{id, prompt, output}` (`prompt` is needed only to probe a live endpoint). */
export async function readCanaryFile(path: string): Promise<Canary[]> {
  const records = await readRecords(path, [
    { name: 'id', required: true },
    { name: 'prompt', required: false },
    { name: 'output', required: true },
  ]);
  return records.map((r) => ({
    id: r.id,
    output: r.output,
    ...(r.prompt !== undefined ? { prompt: r.prompt } : {}),
  }));
}

/** Answers of one model: JSONL `{id, output}`. */
export async function readAnswerFile(path: string): Promise<ModelAnswer[]> {
  const records = await readRecords(path, [
    { name: 'id', required: true },
    { name: 'output', required: true },
  ]);
  return records.map((r) => ({ id: r.id, output: r.output }));
}

/** A reference model's name: its file name without the extension. */
export function referenceName(path: string): string {
  return basename(path, extname(path));
}
