// A trained English model on real prose, as a writer meets it: a gap filled
// with Alt+\, the hover over a typed [MASK], and the replacements of a word.
// Only with `--model DIR` (the planted model of the default run knows no
// English); it checks that each surface answers, not which words it picks,
// and its screenshots are the README's pictures of a trained model:
//
//   npm run test:e2e -- --grep prose --model models/cloze-mini-en && npm run readme:screenshots -- prose-gap-fill prose-mask-hover prose-replace-word
import type { Scenario } from './scenario';
import { moveCursor, quickOpen, runCommand, screenshot, selectors, waitForCloze, waitForWorkbench } from './workbench';

const FILE = 'prose.md';

export const scenarios: Scenario[] = [
  {
    name: 'prose: Alt+\\ in the gap at the end of a sentence shows a word as ghost text',
    needsModel: true,
    async run({ page }) {
      await waitForWorkbench(page);
      await quickOpen(page, FILE, 'The program prints an error');
      await waitForCloze(page);
      await moveCursor(page, 'If the build fails, check that the ', 4);
      await page.keyboard.press('Alt+Backslash');
      await page.locator(selectors.ghostText).first().waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'prose-gap-fill');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'prose: the hover over a typed [MASK] lists words with their probabilities',
    needsModel: true,
    async run({ page }) {
      await waitForWorkbench(page);
      await quickOpen(page, FILE, 'The program prints an error');
      await moveCursor(page, 'The program prints an error [MA', 2);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      await page.locator('.monaco-hover').filter({ hasText: 'Cloze' }).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500); // the hover fades in
      await screenshot(page, 'prose-mask-hover');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
    },
  },
  {
    name: 'prose: Alt+\\ in a word lists its replacements',
    needsModel: true,
    async run({ page }) {
      await waitForWorkbench(page);
      await quickOpen(page, FILE, 'The program prints an error');
      await moveCursor(page, 'The kernel fr', 6);
      await page.keyboard.press('Alt+Backslash');
      await page.locator(selectors.quickInputRow).filter({ hasText: '%' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, 'prose-replace-word');
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
