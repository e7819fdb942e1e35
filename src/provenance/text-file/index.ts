// Reads the text-file contract of DESIGN.md (input of `registry add` and `trace`): JSONL with
// {"id", "text"[, "prompt"]} per line, OpenAI chat completion responses, {"messages": […]} (assistant
// turns, each answering the user turn before it), {"instruction", "input", "output"} (the output); a
// .json file holding an array of such objects; plain .txt as one document per file.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface TextDocument {
  id: string;
  text: string;
  /** The request the text answered, when the file says (used by `registry add`). */
  prompt: string | null;
}

export interface TextFileProblem {
  file: string;
  /** 1-based line (JSONL) or array element (.json). */
  line: number;
  message: string;
}

export interface TextFileContents {
  documents: TextDocument[];
  problems: TextFileProblem[];
}

type Json = Record<string, unknown>;

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((part) =>
        typeof part === 'string'
          ? part
          : typeof (part as Json)?.text === 'string'
            ? (part as Json).text
            : null,
      )
      .filter((p): p is string => p !== null);
    return parts.length > 0 ? parts.join('\n') : null;
  }
  return null;
}

/** The documents one JSON object holds, or a message saying why it holds none. */
export function documentsOfRecord(record: unknown, fallbackId: string): TextDocument[] | string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'expected a JSON object';
  const row = record as Json;
  const id = typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : fallbackId;
  if (typeof row.text === 'string') {
    if (row.prompt !== undefined && row.prompt !== null && typeof row.prompt !== 'string')
      return '"prompt" must be a string';
    return [{ id, text: row.text, prompt: (row.prompt as string | undefined) ?? null }];
  }
  if (Array.isArray(row.choices)) {
    const docs: TextDocument[] = [];
    row.choices.forEach((choice: unknown, i: number) => {
      const c = choice as Json;
      const text =
        contentText((c?.message as Json | undefined)?.content) ??
        (typeof c?.text === 'string' ? c.text : null);
      if (text !== null)
        docs.push({
          id: row.choices && (row.choices as unknown[]).length > 1 ? `${id}#${i}` : id,
          text,
          prompt: null,
        });
    });
    return docs.length > 0 ? docs : 'a chat completion response with no message content in its choices';
  }
  if (Array.isArray(row.messages)) {
    const docs: TextDocument[] = [];
    let prompt: string | null = null;
    const assistantTurns = row.messages.filter((m: unknown) => (m as Json)?.role === 'assistant').length;
    let turn = 0;
    for (const message of row.messages as Json[]) {
      const text = contentText(message?.content);
      if (message?.role === 'user' && text !== null) prompt = text;
      if (message?.role === 'assistant' && text !== null) {
        docs.push({ id: assistantTurns > 1 ? `${id}#${turn}` : id, text, prompt });
        turn++;
      }
    }
    return docs.length > 0 ? docs : '"messages" holds no assistant turn with text content';
  }
  if (typeof row.output === 'string') {
    const prompt = [row.instruction, row.input]
      .filter((x): x is string => typeof x === 'string' && x !== '')
      .join('\n\n');
    return [{ id, text: row.output, prompt: prompt === '' ? null : prompt }];
  }
  return 'expected {"id", "text"}, a chat completion response, {"messages"} or {"instruction", "output"}';
}

/** Parses one file's contents (by its name's extension). */
export function parseTextFile(file: string, content: string): TextFileContents {
  const documents: TextDocument[] = [];
  const problems: TextFileProblem[] = [];
  const name = basename(file);
  if (/\.txt$/i.test(file) || !/\.(jsonl|ndjson|json)$/i.test(file)) {
    documents.push({ id: name, text: content, prompt: null });
    return { documents, problems };
  }
  if (/\.json$/i.test(file) && content.trimStart().startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(content);
    } catch (error) {
      problems.push({ file, line: 1, message: `not valid JSON: ${(error as Error).message}` });
      return { documents, problems };
    }
    (items as unknown[]).forEach((item, i) => {
      const docs = documentsOfRecord(item, `${name}:${i + 1}`);
      if (typeof docs === 'string') problems.push({ file, line: i + 1, message: docs });
      else documents.push(...docs);
    });
    return { documents, problems };
  }
  const lines = content.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      problems.push({ file, line: i + 1, message: `not valid JSON: ${(error as Error).message}` });
      return;
    }
    const docs = documentsOfRecord(record, `${name}:${i + 1}`);
    if (typeof docs === 'string') problems.push({ file, line: i + 1, message: docs });
    else documents.push(...docs);
  });
  return { documents, problems };
}

/** Reads and parses several files; an unreadable file is a problem at line 0. */
export async function readTextFiles(files: string[]): Promise<TextFileContents> {
  const documents: TextDocument[] = [];
  const problems: TextFileProblem[] = [];
  for (const file of files) {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      problems.push({
        file,
        line: 0,
        message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      });
      continue;
    }
    const parsed = parseTextFile(file, content);
    documents.push(...parsed.documents);
    problems.push(...parsed.problems);
  }
  return { documents, problems };
}

/** One line for stderr listing the first problems. */
export function describeProblems(problems: TextFileProblem[], shown = 5): string {
  const listed = problems
    .slice(0, shown)
    .map((p) => `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.message}`)
    .join('; ');
  const more = problems.length > shown ? ` (and ${problems.length - shown} more)` : '';
  return `${problems.length} malformed input${problems.length === 1 ? '' : 's'}, nothing done: ${listed}${more}`;
}
