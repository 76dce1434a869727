/**
 * node:test reporter that writes {"passed", "failed", "todo"} for the summary line. Suites are not
 * tests; a test marked todo (a known failure, said so in its file) counts in none of passed/failed.
 */
export default async function* counts(source) {
  let passed = 0;
  let failed = 0;
  let todo = 0;
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.todo) todo++;
    else if (event.type === 'test:pass' && !event.data.skip) passed++;
    // Includes tests cancelled because a hook failed: they did not pass.
    else if (event.type === 'test:fail') failed++;
  }
  yield JSON.stringify({ passed, failed, todo });
}
