// `npm run test:editor -- --desktop`: runs the same suite in VS Code desktop
// through @vscode/test-electron, which downloads VS Code from Microsoft. For a
// machine with internet access and a display (or xvfb-run); here, code-server
// (run-suite.ts) stands in for it.
//
// @vscode/test-electron is not a dependency yet: `npm install -D
// @vscode/test-electron` first. It is loaded by a computed name so that the
// type-check passes without it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './run-code-server';
import { buildSuite } from './build-suite';
import { printReport } from './print-report';
import { GREP_ENV, REPORT_ENV, USER_DATA_ENV, type SuiteReport } from './suite-report';

/** The part of @vscode/test-electron's API used here (its `TestOptions`, 2.x). */
interface TestElectron {
  runTests(options: {
    version?: string;
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    extensionTestsEnv?: Record<string, string | undefined>;
    launchArgs?: string[];
  }): Promise<number>;
}

export async function runDesktop({ grep }: { grep?: string | undefined }): Promise<number> {
  const moduleName = '@vscode/test-electron';
  let testElectron: TestElectron;
  try {
    testElectron = (await import(moduleName)) as TestElectron;
  } catch (error) {
    console.error(`--desktop needs ${moduleName}: npm install -D ${moduleName}\n(${(error as Error).message})`);
    return 1;
  }
  const started = Date.now();
  const extensionTestsPath = await buildSuite();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-desktop-'));
  const workspace = path.join(scratch, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
  const reportFile = path.join(scratch, 'report.json');
  const userData = path.join(scratch, 'user-data');
  try {
    // runTests rejects when VS Code exits non-zero, which it does when a test
    // fails; the report says which, so read it either way.
    await testElectron
      .runTests({
        version: '1.100.3',
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath,
        extensionTestsEnv: {
          [REPORT_ENV]: reportFile,
          [USER_DATA_ENV]: userData,
          ...(grep ? { [GREP_ENV]: grep } : {}),
        },
        launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData],
      })
      .catch((error: unknown) => console.error(String(error)));
    if (!fs.existsSync(reportFile)) {
      console.error(`No test report at ${reportFile}`);
      console.log('0 passed, 0 failed');
      return 1;
    }
    return printReport(JSON.parse(fs.readFileSync(reportFile, 'utf8')) as SuiteReport, Date.now() - started);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
