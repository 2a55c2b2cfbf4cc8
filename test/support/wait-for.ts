/**
 * Polls `condition` on real time until it holds; rejects after `withinMs`. For tests whose subject
 * runs on real time (a job engine, child processes): the limit only bounds a hang, it asserts nothing.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  withinMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`condition did not hold within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
