/**
 * The folder holding our package.json: the source checkout's root, or the deployed artifact's.
 * The compiled files sit one level deeper (dist/) than the sources, so paths are found, not fixed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'exchange-connect';

export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`No ${PACKAGE_NAME} package.json above ${from}.`);
  }
}
