// Page-level helpers for driving VS Code's workbench in the browser as a user
// would: keyboard, Quick Open, the command palette. Selectors are VS Code's own
// CSS classes (1.100); keep them here so a VS Code update is fixed in one place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from '../editor/run-code-server';

/** Where screenshots go (git-ignored; CI keeps them as artifacts). */
export const screenshotDir = path.resolve(__dirname, '../../test-results/e2e');

export const selectors = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputRow: '.quick-input-widget .monaco-list-row',
  /** The row Enter picks: while the list is still being filtered, it may be another. */
  focusedQuickInputRow: '.quick-input-widget .monaco-list-row.focused',
  activeEditor: '.editor-group-container.active .monaco-editor',
  /** The rendered lines of the active editor; their text includes ghost text. */
  activeEditorLines: '.editor-group-container.active .monaco-editor .view-lines',
  /** Inline suggestion ghost text. */
  ghostText: '.ghost-text-decoration',
  /** A webview: VS Code's own frame, which holds the content in a frame of its own. */
  webview: 'iframe.webview.ready',
  webviewContent: 'iframe#active-frame',
} as const;

/**
 * The content of the webview shown: a webview is an iframe (VS Code's host
 * page) with the extension's page in an inner iframe. Only one webview may
 * be shown (the frames carry nothing to tell panels apart by).
 */
export function webviewContent(page: Page): FrameLocator {
  return page.frameLocator(selectors.webview).first().frameLocator(selectors.webviewContent).first();
}

/** Waits until the workbench has rendered its editor area. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForSelector(selectors.workbench, { timeout: timeoutMs });
  await page.waitForSelector('.part.editor', { timeout: timeoutMs });
}

/**
 * Waits until Cloze is active in the window (its status bar item shows): a key
 * pressed before that, right after the first file of its languages opened,
 * reaches no Cloze command.
 */
export async function waitForCloze(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.locator('.statusbar-item').filter({ hasText: 'Cloze' }).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Opens a workspace file through Quick Open (Ctrl+P) and waits until its
 * editor shows `expectText` (default: nothing in particular, just an editor).
 */
export async function quickOpen(page: Page, relativePath: string, expectText?: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.waitForSelector(selectors.quickInput, { state: 'visible' });
  await page.keyboard.insertText(relativePath);
  // Enter before the file search answers would open nothing, and Enter while a
  // recently opened file is still the focused row would open that one.
  await page.locator(`${selectors.focusedQuickInputRow}[aria-label*="${path.basename(relativePath)}"]`).first().waitFor();
  await page.keyboard.press('Enter');
  await page.waitForSelector(selectors.quickInput, { state: 'hidden' });
  await page.waitForSelector(selectors.activeEditorLines, { state: 'visible' });
  if (expectText !== undefined) await waitForEditorText(page, expectText);
}

/**
 * Runs a command from the command palette by its label as the palette shows
 * it (e.g. 'View: Close All Editors').
 */
export async function runCommand(page: Page, label: string): Promise<void> {
  await startCommand(page, label);
  await page.waitForSelector(selectors.quickInput, { state: 'hidden' });
}

/**
 * Clicks into the active editor and moves the cursor with the keyboard, as a
 * user does: to the start of line `lines + 1` (Go to Line: `ArrowDown` would
 * count the rows of a wrapped line), then past `prefix` on that line (plain
 * text renders a line as one span, so a word cannot be clicked).
 */
export async function moveCursor(page: Page, prefix: string, lines = 0): Promise<void> {
  await page.locator(selectors.activeEditor).first().click();
  if (lines === 0) {
    await page.keyboard.press('Control+Home');
  } else {
    await page.keyboard.press('Control+G');
    await page.waitForSelector(selectors.quickInput, { state: 'visible' });
    await page.keyboard.insertText(String(lines + 1));
    await page.keyboard.press('Enter');
    await page.waitForSelector(selectors.quickInput, { state: 'hidden' });
  }
  for (let i = 0; i < prefix.length; i++) await page.keyboard.press('ArrowRight');
}

/**
 * Starts a command from the command palette (F1) that keeps the quick input
 * open for its own questions or list; {@link runCommand} waits for it to close.
 */
export async function startCommand(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector(selectors.quickInput, { state: 'visible' });
  await page.keyboard.insertText(label);
  await page.locator(`${selectors.focusedQuickInputRow}[aria-label*="${label}"]`).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The active editor's rendered text, lines joined by '\n' (ghost text included). */
export async function editorText(page: Page): Promise<string> {
  const lines = page.locator(selectors.activeEditorLines);
  // Monaco renders spaces as non-breaking spaces.
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until the active editor's rendered text contains `text`. */
export async function waitForEditorText(page: Page, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await editorText(page).catch(() => '');
    if (last.includes(text)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`Expected the editor to show ${JSON.stringify(text)}, it shows ${JSON.stringify(last)}`);
}

/** Waits until a file's content on disk satisfies `predicate`; returns the content. */
export async function waitForFile(
  file: string,
  predicate: (content: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let content = '';
  while (Date.now() < deadline) {
    content = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (predicate(content)) return content;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${file} did not reach the expected content; it holds ${JSON.stringify(content)}`);
}

/** Saves a screenshot as test-results/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Writes the workspace's `.vscode/settings.json` (replacing what was there),
 * which the editor picks up as a user's edit, and waits a moment for it to
 * apply. Pass `{}` to go back to the user settings.
 */
export async function setWorkspaceSettings(page: Page, workspace: string, settings: Record<string, unknown>): Promise<void> {
  // The fixture has the file from the start, so that the editor watches it already.
  const file = path.join(workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  await page.waitForTimeout(2000);
}
