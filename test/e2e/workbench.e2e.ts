// The workbench basics every later scenario relies on: it loads, opens a file,
// takes typing, saves to disk, and has the extension installed.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Scenario } from './scenario';
import { editorText, quickOpen, runCommand, selectors, waitForEditorText, waitForFile, waitForWorkbench } from './workbench';

export const scenarios: Scenario[] = [
  {
    name: 'loads the workbench with the workspace',
    async run({ page, pageOpenedAt, timings }) {
      await waitForWorkbench(page);
      timings.set('page opened -> workbench', Date.now() - pageOpenedAt);
      await page.locator('.explorer-folders-view .monaco-list-row[aria-label*="sample.txt"]').first().waitFor();
    },
  },
  {
    name: 'opens a file with Quick Open',
    async run({ page, pageOpenedAt, timings }) {
      await quickOpen(page, 'sample.txt', 'The quick brown fox');
      timings.set('page opened -> editor ready', Date.now() - pageOpenedAt);
    },
  },
  {
    name: 'types into the file and auto-saves it to disk',
    async run({ page, server }) {
      const added = ' Typed by the E2E test.';
      await page.locator(selectors.activeEditor).first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(added);
      await waitForEditorText(page, added.trim());
      // VS Code for the web saves after a delay (files.autoSave: afterDelay).
      const onDisk = await waitForFile(path.join(server.workspace, 'sample.txt'), (c) => c.includes(added));
      assert.match(onDisk, /^The quick brown fox jumps over the lazy dog\.\n Typed by the E2E test\.$/);
      assert.match(await editorText(page), /Typed by the E2E test\./);
    },
  },
  {
    name: 'lists the extension under test as installed',
    async run({ page }) {
      await runCommand(page, 'Extensions: Show Enabled Extensions');
      await page.locator('.extensions-viewlet .monaco-list-row[aria-label*="Cloze"]').first().waitFor({ timeout: 20_000 });
      await runCommand(page, 'View: Close All Editors');
    },
  },
];
