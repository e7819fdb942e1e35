// The admin API client: the token lives in sessionStorage (or memory) and travels only in the
// Authorization header — never in a URL, never in a cookie, so there is no CSRF surface.
const TOKEN_KEY = 'warden.adminToken';
let memoryToken: string | null = null;

export type Role = 'viewer' | 'analyst' | 'admin' | 'partner';

export interface Whoami {
  id: string;
  role: Role;
  partner: { id: string; name: string } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

export function setToken(token: string | null): void {
  memoryToken = token;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token stays in memory for this tab only.
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A raw body (e.g. an uploaded file) sent as is. */
  raw?: Blob | string;
  contentType?: string;
  token?: string;
  signal?: AbortSignal;
}

async function call(path: string, options: RequestOptions): Promise<Response> {
  const token = options.token ?? getToken();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/octet-stream';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`/admin/v1${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: options.signal,
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  if (!response.ok) {
    let code = `HTTP_${response.status}`;
    let message = response.statusText;
    try {
      const data = (await response.json()) as { error?: { code?: string; message?: string } };
      code = data.error?.code ?? code;
      message = data.error?.message ?? message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, code, message);
  }
  return response;
}

/** Calls the admin API and parses the JSON answer; throws ApiError with the server's code and message. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await call(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Calls the admin API and returns the body as text (e.g. an HTML report). */
export async function apiText(path: string, options: RequestOptions = {}): Promise<string> {
  return (await call(path, options)).text();
}

export const enc = encodeURIComponent;
