// `npm test`'s reporter: a dot per test, then every failure in full (its
// name, file and error), then node's own closing counts as TAP prints them
// (`# tests N`, `# pass N`, `# fail N`, ...), which CI reads. The default TAP
// reporter prints a few thousand lines where a person wants the summary.
// Plain JavaScript: node loads a reporter before `--import tsx` applies.
//
//   node --import tsx --test --test-reporter=./test/helpers/summary-reporter.mjs test/unit/*.test.ts
import { inspect } from 'node:util';

const WIDTH = 80;
const COUNTS = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

/** @param {AsyncIterable<{ type: string, data: any }>} source node's test events */
export default async function* summaryReporter(source) {
  const failures = [];
  const counts = [];
  let column = 0;
  const mark = (c) => {
    column = (column + 1) % WIDTH;
    return column === 0 ? `${c}\n` : c;
  };
  for await (const { type, data } of source) {
    if (type === 'test:pass' && data.details?.type !== 'suite') {
      yield mark('.');
    } else if (type === 'test:fail') {
      // A suite fails when a test in it does, which is reported already; not so when its own hook failed.
      if (data.details?.type === 'suite' && data.details.error?.failureType === 'subtestsFailed') continue;
      failures.push(data);
      yield mark('X');
    } else if (type === 'test:diagnostic' && (data.nesting ?? 0) === 0 && data.message) {
      if (COUNTS.test(data.message)) counts.push(`# ${data.message}`);
      else yield `${column === 0 ? '' : '\n'}# ${data.message}\n`;
    }
  }
  if (column !== 0) yield '\n';
  for (const [i, failure] of failures.entries()) {
    const where = failure.file ? ` (${failure.file})` : '';
    // node wraps what a test threw in an ERR_TEST_FAILURE whose cause it is: show that.
    const thrown = failure.details?.error;
    const error = inspect(thrown?.code === 'ERR_TEST_FAILURE' && thrown.cause !== undefined ? thrown.cause : thrown, { depth: 6 }).replace(/^/gm, '    ');
    yield `\n${i + 1}) ${failure.name}${where}\n${error}\n`;
  }
  yield `\n${counts.join('\n')}\n`;
}
