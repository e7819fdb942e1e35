// Types of traffic.js (plain JavaScript so the built CLI runs it without a compile step).
export interface Message {
  role: string;
  content: string;
}
export interface ChatBody {
  model: string;
  messages: Message[];
  max_tokens?: number;
  temperature?: number;
}
export interface OrdinaryRequest {
  account: string;
  use: string;
  body: ChatBody;
}
export interface DistillerRequest {
  phase: 'generation' | 'annotation' | 'evaluation';
  channel: 'direct' | 'partner';
  body: ChatBody;
}
export const MODEL: string;
export const PARTNER: string;
export const DISTILLER: string;
export const DISTILLER_AT_PARTNER: string;
export const ORDINARY_CUSTOMERS: { name: string; use: string }[];
export function seededRandom(seed: number): () => number;
export function buildDemoTraffic(options?: {
  seed?: number;
  ordinaryPerCustomer?: number;
  lowVolume?: number;
  fullVolume?: number;
}): { ordinary: OrdinaryRequest[]; lowVolume: DistillerRequest[]; fullVolume: DistillerRequest[] };
