// The entry point VS Code loads from `extensionTestsPath`: it runs every
// *.test.js bundled next to it with mocha (TDD interface: suite/test) inside
// the extension host, and writes a JSON report where CLOZE_TEST_REPORT says.
// VS Code desktop reads the returned promise; code-server's browser window does
// not report back to anyone, so the report file is how results get out there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { GREP_ENV, NOTES_GLOBAL, REPORT_ENV, type SuiteReport, type TestResult } from '../suite-report';

export async function run(): Promise<void> {
  const started = Date.now();
  const results: TestResult[] = [];
  const notes: string[] = [];
  (globalThis as Record<string, unknown>)[NOTES_GLOBAL] = notes;
  const report = (error?: unknown): SuiteReport => ({
    vscodeVersion: vscode.version,
    passed: results.filter((t) => t.state === 'passed').length,
    failed: results.filter((t) => t.state === 'failed').length,
    pending: results.filter((t) => t.state === 'pending').length,
    durationMs: Date.now() - started,
    tests: results,
    notes,
    ...(error === undefined ? {} : { error: describe(error) }),
  });

  let failures: number;
  try {
    const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 20_000, reporter: 'spec' });
    const grep = process.env[GREP_ENV];
    if (grep) mocha.grep(grep);
    const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
    if (files.length === 0) throw new Error(`no *.test.js files next to ${__filename}`);
    for (const file of files) mocha.addFile(path.join(__dirname, file));
    failures = await new Promise<number>((resolve) => {
      const runner = mocha.run(resolve);
      runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
      runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'pending' }));
      // Also fires for a failing hook, whose title says which hook it was.
      runner.on('fail', (t, error: unknown) =>
        results.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: describe(error) }),
      );
    });
  } catch (error) {
    writeReport(report(error));
    throw error;
  }
  writeReport(report());
  if (failures > 0) throw new Error(`${failures} test(s) failed`);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function writeReport(report: SuiteReport): void {
  const file = process.env[REPORT_ENV];
  if (!file) return;
  // Write then rename, so a runner polling for the file never reads half of it.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.partial`, JSON.stringify(report, null, 2));
  fs.renameSync(`${file}.partial`, file);
}
