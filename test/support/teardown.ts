/**
 * Teardown for browser tests: close everything first, assert afterwards. An assertion that throws
 * before Chromium or a server is closed leaves them running, and `--runInBand` then hangs.
 */
import type { CapturedPage } from './browser';

type Closer = () => Promise<unknown> | undefined;

/** Runs every closer in order, each even if one before it failed; then throws the first failure. */
export async function closeInOrder(...closers: Closer[]): Promise<void> {
  let firstFailure: { error: unknown } | undefined;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      firstFailure ??= { error };
    }
  }
  if (firstFailure) throw firstFailure.error;
}

/** Closes the pages' contexts, then `closers` (browser, servers); only then checks no page threw. */
export async function closeThenCheckPageErrors(pages: CapturedPage[], ...closers: Closer[]): Promise<void> {
  try {
    await closeInOrder(...pages.map((p) => () => p.context.close()), ...closers);
  } finally {
    for (const p of pages) expect(p.pageErrors).toEqual([]);
  }
}
