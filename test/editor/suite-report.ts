// The report the in-editor suite writes and the runners read. Neither side may
// import the other's dependencies (vscode, playwright), so the shape lives here.

/** The environment variable that tells the suite where to write its report. */
export const REPORT_ENV = 'CLOZE_TEST_REPORT';
/**
 * The environment variable that gives the suite the editor's user data folder,
 * where VS Code keeps the extension's log files (logs/<session>/exthost<n>/<id>/).
 */
export const USER_DATA_ENV = 'CLOZE_TEST_USER_DATA_DIR';
/** The environment variable that narrows the suite to tests whose full title matches. */
export const GREP_ENV = 'CLOZE_TEST_GREP';

export interface TestResult {
  /** Suite and test titles, joined by spaces (mocha's `fullTitle()`). */
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  /** The failure's stack (or message), for a failed test or hook. */
  error?: string;
}

export interface SuiteReport {
  /** `vscode.version` of the editor that ran the suite. */
  vscodeVersion: string;
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: TestResult[];
  /** Set when the suite could not run at all (a test file failed to load, say). */
  error?: string;
  /** Measurements the tests recorded (timings, lag), printed by the runner. */
  notes?: string[];
}

/**
 * Where tests leave their notes: a global, since the suite's files are
 * bundled separately and share no module state.
 */
export const NOTES_GLOBAL = '__clozeSuiteNotes';
