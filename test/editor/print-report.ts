// Prints an in-editor suite report: a line per test, then `N passed, N failed`.
import type { SuiteReport } from './suite-report';

/** Prints one line per test and the final count line; returns the exit code. */
export function printReport(report: SuiteReport, wallMs: number): number {
  console.log(`\nVS Code ${report.vscodeVersion}`);
  for (const t of report.tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip';
    const ms = t.durationMs === undefined ? '' : ` (${t.durationMs} ms)`;
    console.log(`  ${mark} ${t.title}${ms}`);
    if (t.error) console.log(indent(trimStack(t.error), 9));
  }
  for (const note of report.notes ?? []) console.log(`  note ${note}`);
  if (report.error) console.log(`\nThe suite did not run to the end:\n${indent(trimStack(report.error), 2)}`);
  if (report.tests.length === 0) console.log('\nNo tests ran.');
  console.log(`\nsuite ${report.durationMs} ms, wall ${wallMs} ms`);
  console.log(`${report.passed} passed, ${report.failed} failed`);
  return report.failed > 0 || report.error !== undefined || report.passed === 0 ? 1 : 0;
}

/**
 * Drops stack frames inside mocha (bundled into the suite's index.js), VS Code
 * and Node. (The frames left point into the bundles in .e2e/suite: VS Code's
 * extension host replaces Error.prepareStackTrace, so source maps do not apply.)
 */
function trimStack(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !/^\s+at .*(\/suite\/index\.js:|node:internal|extensionHostProcess\.js|<anonymous>)/.test(line))
    .join('\n');
}

function indent(text: string, by: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(by) + line)
    .join('\n');
}
