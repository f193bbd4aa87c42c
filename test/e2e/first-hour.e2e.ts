// The first hour, as a newcomer met it: the editor was started with a local
// model folder (`npm run editor -- --model <folder>` writes `cloze.modelPath`
// into User settings, as this runner does), and turning the hints on from the
// status bar menu must not change which model is used.
import type { Page } from '../editor/run-code-server';
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, waitForEditorText, waitForWorkbench, webviewContent } from './workbench';

const hoverSelector = '.monaco-hover:not(.hidden)';

/** Opens the hover at the cursor (Ctrl+K Ctrl+I), waits for Cloze's alternatives, and closes it. */
async function clozeHover(page: Page, word: string, timeoutMs: number, shot?: string): Promise<void> {
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
  if (shot) await screenshot(page, shot);
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
      // A mask: its hover shows whatever cloze.hover says about other words.
      await quickOpen(page, 'masks.txt', 'the sky is [MASK]');
      await moveCursor(page, 'the sky is [MA', 2);
      await clozeHover(page, 'blue', 30_000);
      await fromStatusMenu(page, 'Turn Unlikely-Word Hints On');
      try {
        await page.waitForTimeout(1000);
        await moveCursor(page, 'the sky is [MA', 2);
        // The planted model still answers: the folder is still the model, and
        // nothing asks to download another one.
        await clozeHover(page, 'blue', 15_000, 'hints-toggled-model-kept');
      } finally {
        await fromStatusMenu(page, 'Turn Unlikely-Word Hints Off');
      }
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'the walkthrough "Get Started with Cloze" shows its steps, getting the model first',
    async run({ page }) {
      await waitForWorkbench(page);
      await page.keyboard.press('F1');
      await page.waitForSelector(selectors.quickInput, { state: 'visible' });
      await page.keyboard.insertText('Welcome: Open Walkthrough');
      await page.locator(`${selectors.quickInputRow}[aria-label*="Open Walkthrough"]`).first().waitFor();
      await page.keyboard.press('Enter');
      const pick = page.locator(selectors.quickInputRow).filter({ hasText: 'Get Started with Cloze' }).first();
      await pick.waitFor({ timeout: 10_000 });
      await pick.click();
      const steps = page.locator('.getting-started-step');
      await steps.filter({ hasText: 'Get the model' }).first().waitFor({ timeout: 15_000 });
      for (const title of ['Fill a gap', 'Alternatives to a word', 'Unlikely-word hints']) {
        await steps.filter({ hasText: title }).first().waitFor({ timeout: 5_000 });
      }
      // The first step's buttons: download, or a folder already here.
      await page.locator('.getting-started-step.expanded').filter({ hasText: 'Choose Local Model Folder' }).first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'walkthrough');
      // The step that teaches gap fill, and its practice page: Alt+\\ at the end of the gap line.
      await steps.filter({ hasText: 'Fill a gap' }).first().click();
      const practice = page.locator('.getting-started-step.expanded').filter({ hasText: 'Alt+' }).locator('a, button').filter({ hasText: 'Open a Practice Page' }).first();
      await practice.waitFor({ timeout: 5_000 });
      // The step's page (media/walkthrough/fill-blank.md), shown beside or below the steps.
      await webviewContent(page).locator('blockquote:has-text("The weather today is")').first().waitFor({ timeout: 10_000 });
      await screenshot(page, 'walkthrough-fill-a-gap');
      await practice.click();
      await waitForEditorText(page, 'The weather today is');
      await moveCursor(page, 'The weather today is ', 8);
      await page.keyboard.press('Alt+Backslash');
      await page.locator(selectors.ghostText).first().waitFor({ timeout: 10_000 });
      await screenshot(page, 'practice-page-gap');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Revert and Close Editor');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
