/** `npm run bench -- <name>`: runs bench/<name>.ts, which prints its figures as JSON lines. */
import path from 'node:path';
import { existsSync } from 'node:fs';

async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
    console.error('usage: npm run bench -- <name>   (runs bench/<name>.ts)');
    process.exit(2);
  }
  const file = path.join(__dirname, `${name}.ts`);
  if (!existsSync(file) || name === 'run') {
    console.error(`No benchmark named '${name}' (expected bench/${name}.ts).`);
    process.exit(2);
  }
  const bench = (await import(file)) as { main?: () => Promise<void> };
  if (typeof bench.main !== 'function') throw new Error(`bench/${name}.ts exports no main()`);
  await bench.main();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
