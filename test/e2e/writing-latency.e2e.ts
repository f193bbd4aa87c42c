// Latency a writer feels, in the browser, from the keystroke to what appears:
// the closing `]` of a typed mask to its ghost text, Alt+\ in a gap to its
// ghost text, and the keyboard hover (Ctrl+K Ctrl+I) on a word (whole words
// on) to its list. Several samples each, on distinct sentences (no cache
// hits), after one warm-up; medians and p95 go into the run's timings.
// Meant for a real-sized model:
//
//   npm run make-models && npm run build && npm run test:e2e -- --grep latency --model test/fixtures/models/bert-base-random-int8
//
// Named to run last: it leaves the editor as it found it, but is the least
// needed for the scenarios of the other files.
//
// Each sample rests 400 ms before the key, as a writer pauses before asking:
// longer than the prefetch's rest (src/editor/prefetch.ts), so the words are
// usually being prepared or ready when the key comes. The gap is also timed
// with no rest at all (the key at once after the cursor arrives): the cold path.
//
// On the tiny model (the default run) it measures the editor path alone.
import type { Page } from '../editor/run-code-server';
import type { E2EContext, Scenario } from './scenario';
import { quickOpen, runCommand, selectors, setWorkspaceSettings, waitForWorkbench } from './workbench';

const SAMPLES = 7;

/** Puts the cursor at the end of line `line` (0-based) of the active editor. */
async function toLineEnd(page: Page, line: number): Promise<void> {
  await page.locator(selectors.activeEditor).first().click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

/** Waits for `selector` to be visible and returns the ms since `since`. */
async function visibleAfter(page: Page, selector: string, since: number, hasText?: string): Promise<number> {
  const locator = hasText ? page.locator(selector).filter({ hasText }).first() : page.locator(selector).first();
  await locator.waitFor({ state: 'visible', timeout: 30_000 });
  return Date.now() - since;
}

async function hidden(page: Page, selector: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator(selector).first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

function record({ timings }: E2EContext, name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (sorted.length - 1) * q;
    return Math.round(sorted[Math.floor(i)] + (sorted[Math.ceil(i)] - sorted[Math.floor(i)]) * (i - Math.floor(i)));
  };
  timings.set(`${name}: p50 (n=${samples.length})`, at(0.5));
  timings.set(`${name}: p95 (n=${samples.length})`, at(0.95));
  console.log(`         ${name}: samples ${sorted.join(' ')} ms`);
}

export const scenarios: Scenario[] = [
  {
    name: 'latency: the closing ] of a typed mask -> ghost text',
    timeoutMs: 180_000,
    async run(ctx) {
      const { page } = ctx;
      await waitForWorkbench(page);
      await quickOpen(page, 'latency-mask.txt', 'the cat sat on the');
      const samples: number[] = [];
      for (let line = 0; line <= SAMPLES; line++) {
        await toLineEnd(page, line);
        // insertText, not type: typing `[` would auto-close the bracket.
        await page.keyboard.insertText('[MASK');
        await page.waitForTimeout(400);
        const typed = Date.now();
        await page.keyboard.type(']');
        const ms = await visibleAfter(page, selectors.ghostText, typed);
        if (line > 0) samples.push(ms); // the first is a warm-up
        await hidden(page, selectors.ghostText);
      }
      record(ctx, 'typed ] -> ghost text', samples);
      await runCommand(page, 'File: Revert File');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'latency: Alt+\\ in a gap -> ghost text',
    timeoutMs: 180_000,
    async run(ctx) {
      const { page } = ctx;
      await waitForWorkbench(page);
      await quickOpen(page, 'latency-gap.txt', 'the weather today is');
      for (const rest of [400, 0]) {
        const samples: number[] = [];
        for (let line = 0; line < SAMPLES + 1; line++) {
          // The second round takes the file's next lines: places no answer is kept for.
          await toLineEnd(page, rest > 0 ? line : SAMPLES + 1 + line);
          if (rest > 0) await page.waitForTimeout(rest);
          const asked = Date.now();
          await page.keyboard.press('Alt+Backslash');
          const ms = await visibleAfter(page, selectors.ghostText, asked);
          if (line > 0) samples.push(ms);
          await hidden(page, selectors.ghostText);
          await page.waitForTimeout(400);
        }
        record(ctx, rest > 0 ? 'Alt+\\ in a gap -> ghost text' : 'Alt+\\ in a gap, no rest -> ghost text', samples);
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'latency: keyboard hover on a word (whole words on) -> alternatives',
    timeoutMs: 180_000,
    async run(ctx) {
      const { page, server } = ctx;
      await waitForWorkbench(page);
      // A word the hints marked takes the same path; on a model with random
      // weights which words get marked is chance, so every word is hovered.
      await setWorkspaceSettings(page, server.workspace, { 'cloze.hover': 'every word' });
      try {
        await quickOpen(page, 'latency-hover.txt', 'a storm rolled');
        const samples: number[] = [];
        for (let line = 0; line < SAMPLES + 1; line++) {
          await toLineEnd(page, line);
          // Into the line's fourth word from the end (`over`, `bread`, …).
          for (let i = 0; i < 3; i++) await page.keyboard.press('Control+ArrowLeft');
          await page.keyboard.press('ArrowLeft');
          await page.waitForTimeout(400);
          await page.keyboard.press('Control+K');
          const asked = Date.now();
          await page.keyboard.press('Control+I');
          const ms = await visibleAfter(page, '.monaco-hover', asked, 'Cloze');
          if (line > 0) samples.push(ms);
          await hidden(page, '.monaco-hover');
        }
        record(ctx, 'keyboard hover on a word -> alternatives', samples);
      } finally {
        await setWorkspaceSettings(page, server.workspace, {});
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
