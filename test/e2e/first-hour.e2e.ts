// The first hour, as a newcomer met it: the editor was started with a local
// model folder (`npm run editor -- --model <folder>` writes `cloze.modelPath`
// into User settings, as this runner does), and turning the hints on from the
// status bar menu must not change which model is used.
import type { Page } from '../editor/run-code-server';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, waitForWorkbench } from './workbench';

const hoverSelector = '.monaco-hover:not(.hidden)';

/** Opens the hover at the cursor (Ctrl+K Ctrl+I), waits for Cloze's alternatives, and closes it. */
async function clozeHover(page: Page, word: string, timeoutMs: number): Promise<void> {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator(hoverSelector).filter({ hasText: 'Cloze' }).first();
  try {
    await hover.locator('a').filter({ hasText: new RegExp(`^${word}$`) }).first().waitFor({ timeout: timeoutMs });
  } catch (error) {
    const shown = await page.locator(hoverSelector).allInnerTexts().catch(() => []);
    await page.keyboard.press('Escape');
    await runCommand(page, 'Notifications: Show Notifications');
    const notices = await page.locator('.notifications-center .notification-list-item').allInnerTexts().catch(() => []);
    await screenshot(page, 'hints-toggled-model-lost');
    throw new Error(`Expected Cloze's hover to offer ${word}; hover ${JSON.stringify(shown)}, notifications ${JSON.stringify(notices)}`, { cause: error });
  }
  await page.keyboard.press('Escape');
  await hover.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

/** Picks an item of Cloze's status bar menu, as a user does: a click on the item, a click in the list. */
async function fromStatusMenu(page: Page, label: string): Promise<void> {
  await page.locator('.statusbar-item').filter({ hasText: 'Cloze' }).first().click();
  const row = page.locator(selectors.quickInputRow).filter({ hasText: label }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
  await page.waitForSelector(selectors.quickInput, { state: 'hidden' });
}

export const scenarios: Scenario[] = [
  {
    name: 'turning the hints on from the status bar menu keeps the local model folder',
    timeoutMs: 90_000,
    async run({ page }) {
      await waitForWorkbench(page);
      await quickOpen(page, 'words.txt', 'red sweet apple');
      await moveCursor(page, 'red sweet ap');
      await clozeHover(page, 'strawberries', 30_000);
      await fromStatusMenu(page, 'Turn Unlikely-Word Hints On');
      try {
        await page.waitForTimeout(1000);
        await moveCursor(page, 'red sweet ap');
        // The planted model still answers: the folder is still the model, and
        // nothing asks to download another one.
        await clozeHover(page, 'strawberries', 15_000);
        await screenshot(page, 'hints-toggled-model-kept');
      } finally {
        await fromStatusMenu(page, 'Turn Unlikely-Word Hints Off');
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
