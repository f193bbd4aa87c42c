// `npm run test:editor -- --desktop`: runs the same suite in VS Code desktop
// through @vscode/test-electron, which downloads VS Code from Microsoft (or
// uses the one at VSCODE_EXECUTABLE_PATH). For a machine with a display (or
// xvfb-run) and either internet access or a VS Code binary; where neither is
// at hand, code-server (run-suite.ts) stands in for it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './run-code-server';
import { buildSuite } from './build-suite';
import { printReport } from './print-report';
import { GREP_ENV, REPORT_ENV, USER_DATA_ENV, type SuiteReport } from './suite-report';

export async function runDesktop({ grep }: { grep?: string | undefined }): Promise<number> {
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH || undefined;
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
    await runTests({
      ...(vscodeExecutablePath ? { vscodeExecutablePath } : { version: '1.100.3' }),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      extensionTestsEnv: {
        [REPORT_ENV]: reportFile,
        [USER_DATA_ENV]: userData,
        ...(grep ? { [GREP_ENV]: grep } : {}),
      },
      launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData],
    }).catch((error: unknown) => console.error(String(error)));
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
