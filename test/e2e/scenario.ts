// What a browser E2E scenario is: a named async step run against one shared
// code-server and browser page. test/e2e/*.e2e.ts files export `scenarios`.
import type { Browser, CodeServer, Page } from '../editor/run-code-server';

export interface E2EContext {
  page: Page;
  browser: Browser;
  server: CodeServer;
  /** `Date.now()` just before the browser opened the workspace URL. */
  pageOpenedAt: number;
  /** Named durations in ms that the runner prints at the end. */
  timings: Map<string, number>;
}

export interface Scenario {
  name: string;
  /**
   * Runs only with `--model DIR`: its text is real English, which means
   * nothing to the planted model of the default run (the README's pictures
   * of a trained model come from these).
   */
  needsModel?: boolean;
  /** Default: 60 000 ms. */
  timeoutMs?: number;
  /**
   * Scenarios share one editor and run in order; leave it as found (close
   * what you open) unless a later scenario of the same file builds on it.
   */
  run(ctx: E2EContext): Promise<void>;
}
