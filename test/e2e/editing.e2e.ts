// Writer first, as a user meets it (named to run after cloze.e2e.ts, which
// times the first ghost text with the model still to load, and before the
// workbench scenarios, which leave an editor of their own): a blank filled without typing [MASK]
// (Alt+\ in a gap), a word replaced from anywhere inside it, only real words
// in the lists, alternatives that keep the meaning, and a hover that stays
// quiet over plain words. Runs on the planted models, whose answers are known.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { englishWords } from '../../src/text/word-list';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, setWorkspaceSettings, waitForEditorText, waitForFile, waitForWorkbench } from './workbench';
import type { Locator, Page } from '../editor/run-code-server';

/** The words of the hover's replace links, in order. */
async function hoverWords(page: Page): Promise<string[]> {
  const hover = page.locator('.monaco-hover').filter({ hasText: 'Cloze' }).first();
  await hover.waitFor({ timeout: 30_000 });
  return (await allTexts(hover.locator('a'))).filter((t) => /^\p{L}+$/u.test(t));
}

/** The inner text of every element a locator matches, trimmed. */
async function allTexts(locator: Locator): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0, n = await locator.count(); i < n; i++) texts.push((await locator.nth(i).innerText()).trim());
  return texts;
}

/** Shows the hover at the cursor as a keyboard user does (Ctrl+K Ctrl+I). */
async function keyboardHover(page: Page): Promise<void> {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
}

export const scenarios: Scenario[] = [
  {
    name: 'Alt+\\ in the gap after "is " shows the word as ghost text, and Tab inserts it',
    async run({ page, server, timings }) {
      await waitForWorkbench(page);
      await runCommand(page, 'View: Close All Editors');
      await quickOpen(page, 'gap.txt', 'the sky is');
      await moveCursor(page, 'the sky is ');
      const asked = Date.now();
      await page.keyboard.press('Alt+Backslash');
      await page.locator(selectors.ghostText).first().waitFor({ timeout: 30_000 });
      timings.set('Alt+\\ in a gap -> ghost text visible (tiny model)', Date.now() - asked);
      await waitForEditorText(page, 'the sky is blue');
      await screenshot(page, 'gap-fill-ghost-text');
      await page.keyboard.press('Tab');
      await waitForFile(path.join(server.workspace, 'gap.txt'), (c) => c === 'the sky is blue\n');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'Alt+\\ in the middle of a word selects it and lists replacements; the pick is one undo step',
    async run({ page, server }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'replace.txt', 'the grass is wet');
      await moveCursor(page, 'the grass is w');
      await page.keyboard.press('Alt+Backslash');
      const first = page.locator(selectors.quickInputRow).filter({ hasText: '%' }).first();
      await first.waitFor({ timeout: 30_000 });
      assert.match(await first.innerText(), /^green/);
      assert.ok(await page.locator(`${selectors.quickInput} input[placeholder*="Replace “wet” with…"]`).count(), 'the list says what it replaces');
      assert.ok((await page.locator(`${selectors.activeEditor} .selected-text`).count()) > 0, 'the word is selected');
      await page.waitForTimeout(500);
      await screenshot(page, 'replace-word-mid-word');
      await page.keyboard.press('Enter');
      await waitForFile(path.join(server.workspace, 'replace.txt'), (c) => c === 'the grass is green .\n');
      // Back in the editor (the list had the focus), one undo restores the word.
      await page.locator(selectors.activeEditor).first().click();
      await page.keyboard.press('Control+Z');
      await waitForFile(path.join(server.workspace, 'replace.txt'), (c) => c === 'the grass is wet .\n');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'no list proposes a non-word: every multi-piece word is in the word list (Suggest Word, whole words)',
    async run({ page }) {
      await waitForWorkbench(page);
      const words = new Set(englishWords().map((w) => w.toLowerCase()));
      await quickOpen(page, 'listed.txt', 'red sweet apple');
      const seen: string[] = [];
      for (const [line, prefix] of [[0, 'red sweet ap'], [1, 'the cat drinks wa'], [2, 'i like to eat ca']] as const) {
        await moveCursor(page, prefix, line);
        // Suggest Word's keys (Ctrl+K Ctrl+G).
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+G');
        const rows = page.locator(selectors.quickInputRow).filter({ hasText: '%' });
        await rows.first().waitFor({ timeout: 30_000 });
        const labels = (await allTexts(rows)).map((t) => /^\p{L}+/u.exec(t)?.[0] ?? t);
        if (line === 0) await screenshot(page, 'real-words-only');
        await page.keyboard.press('Escape');
        seen.push(...labels);
      }
      // One-piece words come from the vocabulary itself (the planted model's is tiny and real);
      // a word of several pieces must be a listed word. Either way, a real word.
      const odd = seen.filter((w) => !words.has(w.toLowerCase()) && !/^(the|of|and|to|in|is|it|you|a|i)$/.test(w));
      assert.deepEqual(odd, [], `non-words among ${seen.join(', ')}`);
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'alternatives to "big": fit puts the antonym first, meaning the synonym (planted model)',
    timeoutMs: 90_000,
    async run({ page, server }) {
      await waitForWorkbench(page);
      const model = path.resolve(__dirname, '../fixtures/models/tiny-meaning');
      await setWorkspaceSettings(page, server.workspace, { 'cloze.modelPath': model, 'cloze.hover': 'every word', 'cloze.alternatives': 'fit' });
      try {
        await quickOpen(page, 'meaning.txt', 'a big car');
        await moveCursor(page, 'a b');
        await keyboardHover(page);
        assert.equal((await hoverWords(page))[0], 'small');
        await screenshot(page, 'alternatives-fit');
        await page.keyboard.press('Escape');
        await setWorkspaceSettings(page, server.workspace, { 'cloze.modelPath': model, 'cloze.hover': 'every word', 'cloze.alternatives': 'meaning' });
        await moveCursor(page, 'a bi');
        await keyboardHover(page);
        assert.equal((await hoverWords(page))[0], 'large');
        await screenshot(page, 'alternatives-meaning');
        await page.keyboard.press('Escape');
      } finally {
        await setWorkspaceSettings(page, server.workspace, {});
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'the hover stays quiet over a plain word and shows words for a [MASK] (cloze.hover: masks and hints)',
    async run({ page }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'quiet.txt', 'the sky is');
      await moveCursor(page, 'the s');
      await keyboardHover(page);
      await page.waitForTimeout(2500);
      const shown = page.locator('.monaco-hover').filter({ hasText: 'Cloze' });
      for (let i = 0, n = await shown.count(); i < n; i++) assert.equal(await shown.nth(i).isVisible(), false, 'no Cloze hover over "sky"');
      await page.keyboard.press('Escape');
      await moveCursor(page, 'the sky is [MA');
      await keyboardHover(page);
      assert.equal((await hoverWords(page))[0], 'blue');
      await screenshot(page, 'hover-on-mask');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
