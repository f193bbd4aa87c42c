import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import { escapeMarkdown, percent } from './format';
import { GET_MODEL_COMMANDS, getModelLinks } from './no-model';
import { REPLACE_RANGE_COMMAND, replaceLink } from './replace-range';
import { isEnabledFor, isTooLarge, type SettingsWatcher } from './settings-watcher';
import { HINT_CODE, HINT_SOURCE } from './hints';
import type { ClozeSettings } from './settings';
import { maskAt, type Target, wordAt } from './targets';

/**
 * Hovering a mask token or a word the unlikely-word hints marked (or, with
 * `cloze.hover` set to `every word`, any word) shows BERT's alternatives with
 * their probabilities, each a one-click replace link. The Markdown is trusted
 * for our replace command only, and every piece of document text is escaped.
 */
export function registerHover(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  const provider: vscode.HoverProvider = {
    async provideHover(document, position, token) {
      const current = settings.for(document);
      if (current.hover === 'off' || !isEnabledFor(current, document) || isTooLarge(current, document, log)) return undefined;
      const target = hoverTarget(document, position, current.hover);
      if (!target) return undefined;
      try {
        const result = await host.fillTarget(document, target, 'hover', token);
        if (!result && host.missingModel && !token.isCancellationRequested) return noModelHover(host.missingModel);
        if (!result || result.suggestions.length === 0) return undefined;
        const markdown = new vscode.MarkdownString(undefined, true);
        markdown.isTrusted = { enabledCommands: [REPLACE_RANGE_COMMAND] };
        const own = result.original ? ` ${vscode.l10n.t('(itself {0})', percent(result.original.score))}` : '';
        markdown.appendMarkdown(`**Cloze** — ${target.isMaskToken ? vscode.l10n.t('words for the mask') : (current.alternatives === 'meaning' ? vscode.l10n.t('alternatives to “{0}” that keep its meaning', escapeMarkdown(target.text)) : vscode.l10n.t('alternatives to “{0}”', escapeMarkdown(target.text))) + own}\n\n`);
        const start = document.offsetAt(result.range.start);
        const end = document.offsetAt(result.range.end);
        for (const s of result.suggestions) {
          const link = replaceLink({ uri: document.uri.toString(), start, end, expected: target.text, replacement: s.word });
          markdown.appendMarkdown(`- [${escapeMarkdown(s.word)}](${link} "${escapeTitle(vscode.l10n.t('Replace with {0}', s.word))}") ${percent(s.score)}\n`);
        }
        return new vscode.Hover(markdown, result.range);
      } catch (error) {
        log.warn(`Hover failed: ${(error as Error).message}`);
        return undefined;
      }
    },
  };
  return vscode.languages.registerHoverProvider({ pattern: '**' }, provider);
}

/** What a hover at `position` is about under `mode`: a mask token, else a word (every word, or one the hints marked). */
export function hoverTarget(document: vscode.TextDocument, position: vscode.Position, mode: ClozeSettings['hover']): Target | undefined {
  const mask = maskAt(document, position);
  if (mask || mode === 'off') return mask;
  const word = wordAt(document, position);
  if (!word || mode === 'every word') return word;
  const marked = vscode.languages
    .getDiagnostics(document.uri)
    .some((d) => d.source === HINT_SOURCE && (typeof d.code === 'object' ? d.code.value : d.code) === HINT_CODE && d.range.intersection(word.range) !== undefined);
  return marked ? word : undefined;
}

/** Says there is no model yet, with links that get one, instead of an endless "Loading…". */
function noModelHover(message: string): vscode.Hover {
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.isTrusted = { enabledCommands: [...GET_MODEL_COMMANDS] };
  markdown.appendMarkdown(`**Cloze** — ${escapeMarkdown(message)}\n\n${getModelLinks()}`);
  return new vscode.Hover(markdown);
}

/** A link title sits inside double quotes. */
function escapeTitle(text: string): string {
  return text.replace(/["\\]/g, '');
}
