/** node:test reporter that writes {"passed", "failed"} for the summary line. Suites are not tests. */
export default async function* counts(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue;
    if (event.type === 'test:pass' && !event.data.skip && !event.data.todo) passed++;
    // Includes tests cancelled because a hook failed: they did not pass.
    if (event.type === 'test:fail') failed++;
  }
  yield JSON.stringify({ passed, failed });
}
