// safeFetch: one outbound HTTP call that cannot be turned against the network Warden runs in
// (SSRF). Only http(s); the host is resolved once, every address it resolves to is checked, and the
// socket connects to exactly the checked address (the check is inside the connection's DNS lookup,
// so a rebinding DNS answer cannot slip in between check and connect). No redirects are followed;
// time and response size are bounded. Used by audit-model probes and partner webhooks.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, type Dispatcher, request } from 'undici';
import { refusedAddressRange } from './address-policy.js';
import { OutboundError } from './outbound-error.js';

export interface SafeFetchOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Total time for the call, connect to last byte (default 10 000 ms). */
  timeoutMs?: number;
  /** Largest response body accepted; the call is aborted beyond it (default 1 MiB). */
  maxBytes?: number;
  /** Allow private, loopback, link-local and other non-public addresses (default false). */
  allowPrivate?: boolean;
  /** Abort from outside (e.g. the caller gives up). */
  signal?: AbortSignal;
  /** Resolver, for tests; defaults to the system resolver (node:dns lookup). */
  resolve?: (host: string) => Promise<string[]>;
}

export interface SafeFetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The address the socket connected to. */
  address: string | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;

function systemResolve(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });
}

/** Parses and checks a URL's scheme; throws OUTBOUND_BAD_URL. */
export function parseOutboundUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundError('OUTBOUND_BAD_URL', { url, detail: 'it is not a valid absolute URL' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OutboundError('OUTBOUND_BAD_URL', {
      url,
      detail: `scheme ${parsed.protocol} is not allowed (only http and https)`,
    });
  }
  if (parsed.username || parsed.password) {
    throw new OutboundError('OUTBOUND_BAD_URL', {
      url: `${parsed.protocol}//${parsed.host}`,
      detail: 'credentials in the URL are not allowed; send them in a header',
    });
  }
  return parsed;
}

/** The addresses a host resolves to, every one checked; throws OUTBOUND_PRIVATE_ADDRESS / OUTBOUND_DNS. */
export async function resolveOutboundHost(
  host: string,
  { allowPrivate = false, resolve = systemResolve }: Pick<SafeFetchOptions, 'allowPrivate' | 'resolve'> = {},
): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(bare)) addresses = [bare];
  else {
    try {
      addresses = await resolve(bare);
    } catch (error) {
      throw new OutboundError('OUTBOUND_DNS', { host: bare, detail: (error as Error).message });
    }
    if (addresses.length === 0) throw new OutboundError('OUTBOUND_DNS', { host: bare, detail: 'no address' });
  }
  if (!allowPrivate) {
    // Refuse if any address is non-public: a host that mixes public and private answers is hostile.
    for (const address of addresses) {
      const range = refusedAddressRange(address);
      if (range) {
        const target = address === bare ? `${bare} is ${range}` : `${bare} resolves to ${address} (${range})`;
        throw new OutboundError('OUTBOUND_PRIVATE_ADDRESS', { target, range });
      }
    }
  }
  return addresses;
}

/** Checks a URL without calling it: scheme, resolution and address policy (same rules as safeFetch). */
export async function checkOutboundUrl(
  url: string,
  options: Pick<SafeFetchOptions, 'allowPrivate' | 'resolve'> = {},
): Promise<{ url: URL; addresses: string[] }> {
  const parsed = parseOutboundUrl(url);
  return { url: parsed, addresses: await resolveOutboundHost(parsed.hostname, options) };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** An undici Agent whose sockets connect only to the pre-checked addresses of one host. */
function pinnedAgent(host: string, addresses: string[], timeoutMs: number): Agent {
  const pinned = addresses.map((address) => ({ address, family: isIP(address) }));
  const lookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    if (hostname.replace(/^\[|\]$/g, '') !== host) {
      callback(Object.assign(new Error(`unexpected host ${hostname}`), { code: 'ENOTFOUND' }), []);
    } else if (options.all) callback(null, pinned);
    else callback(null, pinned[0].address, pinned[0].family);
  };
  return new Agent({
    connect: { lookup: lookup as never, timeout: timeoutMs },
    connections: 1,
    pipelining: 1,
    keepAliveTimeout: 1,
  });
}

function headerRecord(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * One HTTP(S) call under the outbound policy. Resolves with the status, headers and body text for
 * every HTTP status (a 3xx is returned, never followed); rejects with an OutboundError when the URL
 * is refused, the time or size bound is exceeded, or the network fails.
 */
export async function safeFetch(url: string, options: SafeFetchOptions = {}): Promise<SafeFetchResponse> {
  const {
    method = options.body === undefined ? 'GET' : 'POST',
    headers = {},
    body,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxBytes = DEFAULT_MAX_BYTES,
    signal,
  } = options;
  const shownUrl = url.replace(/[?#].*$/, '');
  if (signal?.aborted)
    throw new OutboundError('OUTBOUND_NETWORK', { url: shownUrl, detail: 'aborted by the caller' });
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onOuterAbort = () => controller.abort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });

  const { url: parsed, addresses } = await checkOutboundUrl(url, options).catch((error) => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
    throw error;
  });
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const agent = pinnedAgent(host, addresses, timeoutMs);
  let tooLarge = false;
  try {
    const response = await request(parsed, {
      method,
      headers,
      body,
      dispatcher: agent,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      tooLarge = true;
      controller.abort();
      throw new Error('too large');
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body) {
      received += (chunk as Buffer).length;
      if (received > maxBytes) {
        tooLarge = true;
        controller.abort();
        throw new Error('too large');
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: response.statusCode,
      headers: headerRecord(response.headers),
      body: Buffer.concat(chunks).toString('utf8'),
      address: addresses[0] ?? null,
    };
  } catch (error) {
    if (tooLarge) throw new OutboundError('OUTBOUND_TOO_LARGE', { url: shownUrl, limit: maxBytes });
    const undiciTimeout = /TimeoutError$/.test((error as Error).name ?? '');
    if (timedOut || undiciTimeout) {
      throw new OutboundError('OUTBOUND_TIMEOUT', { url: shownUrl, ms: timeoutMs });
    }
    if (error instanceof OutboundError) throw error;
    const detail = signal?.aborted ? 'aborted by the caller' : (error as Error).message;
    throw new OutboundError('OUTBOUND_NETWORK', { url: shownUrl, detail });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
    agent.destroy().catch(() => {});
  }
}
