// The one place the console talks HTTP. Every response is parsed with its schema from src/contract,
// so a page only ever sees data the contract allows. Components never call this directly: each
// feature's api.ts wraps it in react-query hooks.
import type { z } from 'zod';

/** The CSRF token from POST /api/session lives only in memory (never localStorage), sent on every state change. */
let csrfToken: string | null = null;
let csrfHeader = 'x-csrf-token';

export function setCsrf(token: string | null, header?: string): void {
  csrfToken = token;
  if (header) csrfHeader = header;
}

export function hasCsrf(): boolean {
  return csrfToken !== null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function request<S extends z.ZodType>(
  method: Method,
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[csrfHeader] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `the console server did not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(
      res.status,
      `${method} ${path}: the server sent something that is not JSON (HTTP ${res.status})`,
    );
  }
  if (!res.ok) {
    const err = (json ?? {}) as { message?: unknown; error?: unknown; code?: unknown };
    const msg =
      typeof err.message === 'string' ? err.message : typeof err.error === 'string' ? err.error : res.statusText;
    throw new ApiError(res.status, msg || `HTTP ${res.status}`, typeof err.code === 'string' ? err.code : undefined);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(
      res.status,
      `${method} ${path}: the answer does not match the contract (${parsed.error.message})`,
    );
  }
  return parsed.data;
}
