/**
 * The tab's initial JavaScript, gzipped: the entry script of tab/dist/index.html plus every chunk
 * it preloads (what the browser must fetch before the first render). Builds the tab if needed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'tab', 'dist');

/** Script and modulepreload URLs of the built index.html, relative to the dist folder. */
export function initialScripts(indexHtml: string): string[] {
  const urls = [
    ...indexHtml.matchAll(/<script[^>]*\stype="module"[^>]*\ssrc="([^"]+)"/g),
    ...indexHtml.matchAll(/<link[^>]*\srel="modulepreload"[^>]*\shref="([^"]+)"/g),
  ].map((m) => m[1] ?? '');
  return [...new Set(urls)].filter(Boolean).map((u) => u.replace(/^\/tab\//, '').replace(/^\.?\//, ''));
}

export async function main(): Promise<void> {
  if (!existsSync(path.join(DIST, 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'tab/vite.config.ts', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  const scripts = initialScripts(readFileSync(path.join(DIST, 'index.html'), 'utf8'));
  if (scripts.length === 0) throw new Error('tab/dist/index.html loads no module script');
  const initialJsGzipBytes = scripts
    .map((file) => gzipSync(readFileSync(path.join(DIST, file))).length)
    .reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ bench: 'tab', initialJsGzipBytes, files: scripts.length }));
}
