import type { Request, RequestHandler } from 'express';
import { nulPath } from '../schema/nul-character.ts';
import type { NeededScopes } from '../http/guards.ts';
import { errorBodyOf } from '../services/service-error.ts';
import { isConsolePath } from './console.ts';

/**
 * PostgreSQL's text and jsonb cannot hold a NUL character, and no name, path, note or URL has one: a
 * request carrying one is refused before anything is stored or a workflow started with it.
 */
export const rejectNul: RequestHandler = (req, res, next) => {
  const where = nulPath(req.body, 'body') ?? nulPath(req.query, 'query');
  if (where === null) return next();
  res
    .status(400)
    .json(
      errorBodyOf('validation_error', 'request is invalid', [
        { path: where, message: 'must not contain a NUL character' },
      ]),
    );
};

/**
 * What an API request needs: reading is `read`; managing devices and tokens is `admin`; releasing a held
 * operation is `confirm`; alert channels, which receive the phrases of held operations, `admin` and
 * `confirm` (and reading them `admin`: an ntfy topic in a URL is a subscription); everything else that
 * changes something (commands, containers, maintenance, rollbacks) `operate`. The path is judged the way
 * the router matches it (case-insensitive, trailing slash ignored, percent-decoded), so `/api/Tokens/`
 * is guarded like `/api/tokens`.
 */
export function apiScope(req: Pick<Request, 'method' | 'path'>): NeededScopes {
  const path = routedPath(req.path);
  // Health checks and the API description are open: neither tells anything about the devices.
  if (path === '/health' || path === '/openapi.json') return null;
  // The console's files hold no data: its page must load before anyone has pasted a token.
  if (isConsolePath(path) && (req.method === 'GET' || req.method === 'HEAD')) return null;
  if (path.startsWith('/api/tokens')) return 'admin';
  if (/^\/api\/operations\/[^/]+\/confirm$/.test(path)) return 'confirm';
  // Its requester withdraws it, or a person with `confirm` cancels it: the operation service decides which.
  if (/^\/api\/operations\/[^/]+\/cancel$/.test(path)) return 'read';
  if (path.startsWith('/api/alerts/channels'))
    return req.method === 'GET' || req.method === 'HEAD' ? 'admin' : ['admin', 'confirm'];
  if (path.startsWith('/api/alerts/') && req.method !== 'GET' && req.method !== 'HEAD') return 'admin';
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return 'read';
  if (path === '/api/devices' || path === '/api/devices/import') return 'admin';
  if (/^\/api\/devices\/[^/]+$/.test(path)) return 'admin';
  return 'operate';
}

function routedPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape matches no route either; judge it as written.
  }
  return (
    decoded
      .toLowerCase()
      .replace(/\/{2,}/g, '/')
      .replace(/\/+$/, '') || '/'
  );
}
