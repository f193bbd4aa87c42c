// Beyond one-piece fill-mask, as a user meets it: words of several
// vocabulary pieces in the hover, "Cloze: Fill All Masks" and "Cloze: Compare
// Words". Runs on the planted model, where `red sweet …` calls for
// `strawberries` (straw ##berries). Named to run after cloze.e2e.ts, whose
// first ghost text is timed with the model still to load.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, setWorkspaceSettings, startCommand, waitForFile, waitForWorkbench } from './workbench';

export const scenarios: Scenario[] = [
  {
    name: 'the hover over a word proposes a word of two pieces, strawberries (cloze.hover: every word)',
    async run({ page, server }) {
      await waitForWorkbench(page);
      await setWorkspaceSettings(page, server.workspace, { 'cloze.hover': 'every word' });
      await quickOpen(page, 'words.txt', 'red sweet apple');
      await moveCursor(page, 'red sweet ap');
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover = page.locator('.monaco-hover').filter({ hasText: 'Cloze' }).first();
      await hover.waitFor({ timeout: 30_000 });
      const link = hover.locator('a').filter({ hasText: /^strawberries$/ }).first();
      await link.waitFor({ timeout: 10_000 });
      await screenshot(page, 'whole-words-hover');
      await link.click();
      await waitForFile(path.join(server.workspace, 'words.txt'), (c) => c.trim() === 'red sweet strawberries .');
      await setWorkspaceSettings(page, server.workspace, {});
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: '"Cloze: Fill All Masks" fills the paragraph\'s masks jointly and leaves the next paragraph alone',
    async run({ page, server }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'masks.txt', 'red sweet [MASK] [MASK]');
      await moveCursor(page, '');
      await runCommand(page, 'Cloze: Fill All Masks');
      await waitForFile(path.join(server.workspace, 'masks.txt'), (c) => c === 'red sweet straw straw .\n\nthe sky is [MASK] .\n');
      await screenshot(page, 'fill-all-masks');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: '"Cloze: Compare Words" lists each alternative\'s probability in the sentence',
    async run({ page, server }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'compare.txt', 'the sky is blue');
      await moveCursor(page, 'the sky is bl');
      await startCommand(page, 'Cloze: Compare Words');
      await page.locator('.quick-input-widget').filter({ hasText: 'separated by commas' }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.insertText('dark, green, wet');
      await page.keyboard.press('Enter');
      const rows = page.locator(selectors.quickInputRow).filter({ hasText: '%' });
      await rows.first().waitFor({ timeout: 30_000 });
      // Most probable first: blue (the sky's planted answer), then dark, its runner-up.
      assert.match(await rows.nth(0).innerText(), /^blue[\s\S]*current/);
      assert.match(await rows.nth(1).innerText(), /^dark/);
      await screenshot(page, 'compare-words');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await waitForFile(path.join(server.workspace, 'compare.txt'), (c) => c.trim() === 'the sky is dark .');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
