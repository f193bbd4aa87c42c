// Cloze as a user meets it: ghost text after a typed [MASK], hover
// alternatives with a replace link, "Cloze: Suggest Word" from the palette,
// and the "Cloze: Explain Suggestions" panel.
// Runs on the generated planted model, whose answers are known.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, setWorkspaceSettings, startCommand, waitForEditorText, waitForFile, waitForWorkbench, webviewContent } from './workbench';

export const scenarios: Scenario[] = [
  {
    name: 'shows ghost text for a typed [MASK] and Tab replaces the mask',
    async run({ page, server, timings }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'inline.txt');
      // Typed at once, as a writer does: opening the file starts Cloze, and the
      // mask may reach VS Code before Cloze's provider does (about 1 run in 6).
      await page.locator(selectors.activeEditor).first().click();
      await page.keyboard.type('the cat drinks ');
      // insertText, not type: typing `[` would auto-close the bracket.
      const typed = Date.now();
      await page.keyboard.insertText('[MASK]');
      await waitForEditorText(page, 'the cat drinks [MASK]');
      const ghost = page.locator(selectors.ghostText).first();
      await ghost.waitFor({ timeout: 20_000 });
      timings.set('[MASK] typed -> ghost text visible', Date.now() - typed);
      await waitForEditorText(page, 'the cat drinks [MASK]milk');
      await screenshot(page, 'inline-ghost-text');
      await page.keyboard.press('Tab');
      await waitForEditorText(page, 'the cat drinks milk');
      // Auto-save may catch the moment between the insert and the mask's removal.
      await waitForFile(path.join(server.workspace, 'inline.txt'), (c) => c.trim() === 'the cat drinks milk');
      // Again with the model warm: what a user sees on every mask after the first.
      await page.keyboard.press('End');
      await page.keyboard.type(' . the sky is ');
      const typedWarm = Date.now();
      await page.keyboard.insertText('[MASK]');
      await ghost.waitFor({ timeout: 10_000 });
      timings.set('[MASK] typed -> ghost text visible (model warm)', Date.now() - typedWarm);
      await waitForEditorText(page, 'the sky is [MASK]blue');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'hovering a word lists alternatives and a click replaces it (cloze.hover: every word)',
    async run({ page, server, timings }) {
      await setWorkspaceSettings(page, server.workspace, { 'cloze.hover': 'every word' });
      await quickOpen(page, 'hover.txt', 'the dog chases the cat');
      // Show the hover as a keyboard user does (Ctrl+K Ctrl+I).
      await moveCursor(page, 'the dog chases the c');
      const hovered = Date.now();
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover = page.locator('.monaco-hover').filter({ hasText: 'Cloze' }).first();
      await hover.waitFor({ timeout: 30_000 });
      timings.set('hover -> alternatives visible', Date.now() - hovered);
      await screenshot(page, 'hover-alternatives');
      await hover.locator('a').filter({ hasText: /^ball$/ }).first().click();
      await waitForFile(path.join(server.workspace, 'hover.txt'), (c) => c.trim() === 'the dog chases the ball .');
      await setWorkspaceSettings(page, server.workspace, {});
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: '"Cloze: Suggest Word" lists words with probabilities and picking one replaces the word',
    async run({ page, server }) {
      await quickOpen(page, 'pick.txt', 'the grass is wet');
      // To the end of `wet` in `the grass is wet .`
      await moveCursor(page, 'the grass is wet');
      await startCommand(page, 'Cloze: Suggest Word');
      const first = page.locator(selectors.quickInputRow).filter({ hasText: '%' }).first();
      await first.waitFor({ timeout: 30_000 });
      assert.match(await first.innerText(), /green[\s\S]*%/);
      await screenshot(page, 'suggest-word-quickpick');
      await page.keyboard.press('Enter');
      await waitForFile(path.join(server.workspace, 'pick.txt'), (c) => c.trim() === 'the grass is green .');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: '"Cloze: Explain Suggestions" opens a panel with the candidates\' bar chart and the paragraph\'s heat map',
    async run({ page, timings }) {
      // Also when run alone (--grep Explain).
      await waitForWorkbench(page);
      await quickOpen(page, 'explain.txt', 'we love there house');
      // Into `there` of `we love there house .`
      await moveCursor(page, 'we love th');
      const asked = Date.now();
      await runCommand(page, 'Cloze: Explain Suggestions');
      const panel = webviewContent(page);
      const firstBar = panel.locator('table.chart tr').first();
      await firstBar.waitFor({ timeout: 30_000 });
      assert.match(await firstBar.innerText(), /^their\s+\d+(\.\d+)?%$/);
      assert.match(await panel.locator('table.chart tr.original').first().innerText(), /^there current\s+[<\d.]+%$/);
      const slip = panel.locator('.heat .w.slip').first();
      await slip.waitFor({ timeout: 30_000 });
      timings.set('Explain Suggestions -> chart and heat map shown', Date.now() - asked);
      assert.equal(await slip.innerText(), 'there');
      assert.equal((await panel.locator('.heat').first().innerText()).trim(), 'we love there house .');
      assert.ok((await panel.locator('.legend .swatch').count()) >= 5, 'a legend');
      await screenshot(page, 'explain-suggestions');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
