// Types of desensitize.js (plain JavaScript so the built CLI runs it without a compile step).
export interface Harvested {
  id: string;
  prompt: string;
  text: string;
}
export interface DatasetRecord {
  id: string;
  instruction: string;
  input: string;
  output: string;
}
export function desensitize(
  harvested: Harvested[],
  options?: { seed?: number; human?: string[] },
): DatasetRecord[];
