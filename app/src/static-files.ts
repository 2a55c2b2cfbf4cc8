/**
 * The built tab at /tab: compressed (brotli or gzip, as the browser accepts), content-hashed
 * assets cached for a year as immutable, HTML revalidated on every load so a deploy is picked up.
 */
import compression from 'compression';
import express from 'express';
import path from 'node:path';

/** Vite writes every hashed file under assets/; nothing else there changes without a new name. */
const HASHED_ASSETS = `${path.sep}assets${path.sep}`;

export function tabFiles(dir: string): express.Router {
  const router = express.Router();
  router.use(compression());
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        res.set(
          'cache-control',
          file.includes(HASHED_ASSETS) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  return router;
}
