import express, { type RequestHandler, type Response } from 'express';
import path from 'node:path';
import { PROJECT_ROOT } from '../platform/project-root.ts';

/** Where the web console's build lands (`scripts/build-web.ts`): web/dist beside the sources, in the image too. */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'web', 'dist');

/** The API and the machine endpoints keep their own answers (JSON 404s, tokens); every other path is the console's. */
export function isConsolePath(p: string): boolean {
  return !(p === '/api' || p.startsWith('/api/') || p === '/health' || p === '/metrics' || p === '/openapi.json');
}

/**
 * The page runs only our own scripts and styles, talks only to this origin, and cannot be framed: a page
 * on another site must not overlay the console's confirm button (clickjacking).
 */
const DOCUMENT_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** What the build stores gzipped beside the file (scripts/build-web.ts), and its type. */
const PRECOMPRESSED: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const ASSET_CACHE = { maxAge: '365d', immutable: true } as const;

/**
 * Serves the single-page console: hashed files under /assets/ cached for a year (a new build has new
 * names), scripts and styles gzipped by the build when the browser accepts it, index.html never
 * cached, and index.html for every other GET the API does not own, so a client route
 * (`/operations/<id>`, the PUBLIC_URL link) loads the app. Without a build, pages say how to make one.
 */
export function consoleHandler(dir: string): RequestHandler {
  const assetsDir = path.join(dir, 'assets');
  const assets = express.static(assetsDir, {
    index: false,
    ...ASSET_CACHE,
    setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff').setHeader('Vary', 'Accept-Encoding'),
  });
  const sendIndex = (res: Response) =>
    res.sendFile(
      path.join(dir, 'index.html'),
      { headers: DOCUMENT_HEADERS, lastModified: false, cacheControl: false },
      (err) => {
        if (!err || res.headersSent) return;
        res
          .status(503)
          .type('text/plain')
          .send('The web console is not built: run `npm run build:web` (npm ci and npm start build it too).\n');
      },
    );
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isConsolePath(req.path)) return next();
    if (!req.path.startsWith('/assets/')) return sendIndex(res);
    const name = req.path.slice('/assets/'.length);
    const plain = () => {
      req.url = req.url.slice('/assets'.length);
      assets(req, res, () => {
        req.url = `/assets${req.url}`;
        next();
      });
    };
    const type = PRECOMPRESSED[path.extname(name)];
    if (!type || !req.acceptsEncodings('gzip')) return plain();
    // `root` keeps the name inside the assets directory (no ../); a missing .gz falls back to the plain file.
    res.sendFile(
      `${name}.gz`,
      {
        root: assetsDir,
        ...ASSET_CACHE,
        headers: {
          'Content-Type': type,
          'Content-Encoding': 'gzip',
          Vary: 'Accept-Encoding',
          'X-Content-Type-Options': 'nosniff',
        },
      },
      (err) => {
        if (err && !res.headersSent) plain();
      },
    );
  };
}
