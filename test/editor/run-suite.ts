// `npm run test:editor`: runs the mocha suite in test/editor/suite inside a real
// VS Code (code-server, its Node extension host) with this repository as the
// extension under development, and prints the results.
//
//   npm run build && npm run test:editor [-- --grep TEXT] [--timeout SECONDS]
//
// Builds the suite itself (into .e2e/suite), not the extension. Results come
// back through a JSON report the suite writes to the path in CLOZE_TEST_REPORT:
// code-server passes its environment on to the extension host.
// `--desktop` runs the same suite in VS Code desktop instead (run-desktop.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSuite } from './build-suite';
import { printReport } from './print-report';
import { runDesktop } from './run-desktop';
import { missingBuild, openBrowser, printLogs, repoRoot, runFolders, runMain, startCodeServer, type Browser, type CodeServer } from './run-code-server';
import { GREP_ENV, REPORT_ENV, USER_DATA_ENV, type SuiteReport } from './suite-report';

const fixture = path.join(repoRoot, 'test/fixtures/workspace');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      grep: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      desktop: { type: 'boolean' },
    },
  });
  if (values.desktop) {
    return runDesktop({ grep: values.grep });
  }
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new RangeError(`Expected --timeout to be a positive number of seconds, got \`${values.timeout}\``);
  const missing = missingBuild();
  if (missing) {
    console.error(missing);
    return 1;
  }

  const started = Date.now();
  const testsPath = await buildSuite();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startCodeServer({
      fixture,
      env: (runDir) => ({
        [REPORT_ENV]: path.join(runDir, 'report.json'),
        [USER_DATA_ENV]: runFolders(runDir).userData,
        ...(values.grep ? { [GREP_ENV]: values.grep } : {}),
      }),
    });
    const reportFile = path.join(server.runDir, 'report.json');
    browser = await openBrowser(server.extensionTestsUrl(repoRoot, testsPath), {
      profileDir: path.join(server.runDir, 'chromium'),
    });
    const report = await waitForReport(reportFile, timeoutMs, server);
    return printReport(report, Date.now() - started);
  } catch (error) {
    console.error(`\n${(error as Error).message}`);
    printLogs(server, browser, 40);
    console.log('0 passed, 0 failed');
    return 1;
  } finally {
    await browser?.close();
    await server?.stop();
  }
}

async function waitForReport(file: string, timeoutMs: number, server: CodeServer): Promise<SuiteReport> {
  const deadline = Date.now() + timeoutMs;
  let hostExitedAt: number | undefined;
  while (!fs.existsSync(file)) {
    if (!server.running()) throw new Error('code-server exited before the suite reported');
    if (Date.now() > deadline) throw new Error(`No test report after ${timeoutMs / 1000} s (expected ${file})`);
    // The extension host exits once the suite's run() settles; without a
    // report by then (index.js failed to load, say) there will be none.
    if (hostExitedAt === undefined && /Extension Host Process exited/.test(server.logTail(20))) hostExitedAt = Date.now();
    if (hostExitedAt !== undefined && Date.now() - hostExitedAt > 3000) {
      throw new Error('The extension host exited without writing a test report');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteReport;
}

if (require.main === module) runMain(main);
