// Unlikely-word hints as a user meets them: turned on in the workspace's
// settings, a word that does not fit gets a blue squiggle, and the light bulb's
// quick fix replaces it. Runs on the planted model, where `there` before
// `house` and `then` after `more` are planted confusions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, waitForFile, waitForWorkbench } from './workbench';

export const scenarios: Scenario[] = [
  {
    name: 'marks a word that does not fit and the quick fix replaces it',
    timeoutMs: 90_000,
    async run({ page, server, timings }) {
      await waitForWorkbench(page);
      const settings = path.join(server.workspace, '.vscode', 'settings.json');
      fs.mkdirSync(path.dirname(settings), { recursive: true });
      fs.writeFileSync(settings, JSON.stringify({ 'cloze.hints.enabled': true }, null, 2));
      try {
        const opened = Date.now();
        await quickOpen(page, 'hints.md', 'we love there house');
        const squiggle = page.locator(`${selectors.activeEditor} .squiggly-info`);
        await squiggle.first().waitFor({ timeout: 30_000 });
        timings.set('hints: file opened -> first squiggle (1 s idle wait included)', Date.now() - opened);
        const deadline = Date.now() + 30_000;
        while ((await squiggle.count()) < 2) {
          if (Date.now() > deadline) throw new Error(`Expected two hints, got ${await squiggle.count()}`);
          await page.waitForTimeout(200);
        }
        // Put the cursor in `there` (line 3) and open the quick fixes, as with Ctrl+.
        await moveCursor(page, 'we love th', 2);
        await page.keyboard.press('Control+Period');
        const fix = page.locator('.action-widget .monaco-list-row').filter({ hasText: 'Replace with “their”' }).first();
        await fix.waitFor({ timeout: 10_000 });
        await screenshot(page, 'unlikely-word-hints');
        // The row is focused once the menu has settled; Enter applies it, as for a keyboard user.
        await page.locator('.action-widget .monaco-list-row.focused').filter({ hasText: 'Replace with “their”' }).first().waitFor();
        await page.keyboard.press('Enter');
        await waitForFile(path.join(server.workspace, 'hints.md'), (c) => c.includes('we love their house .'));
      } finally {
        fs.writeFileSync(settings, '{}\n');
        await page.keyboard.press('Escape');
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
