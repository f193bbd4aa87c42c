import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../engine/engine';
import { findMaskTokens } from '../engine/mask-window';
import { defaultCacheDir } from '../engine/model-store';
import type { MaskResult } from '../engine/types';
import { UsageError, type CommandContext } from './command';

/** Options of `cloze fill`, as parsed from the command line. */
export interface FillArgs {
  text: string | undefined;
  file: string | undefined;
  modelDir: string;
  topK: number;
  maxTokens: number;
  threads: number | undefined;
  json: boolean;
}

/**
 * `cloze fill`: predicts every mask token in the text and prints, per mask, the
 * Hugging Face fill-mask pipeline's table (score, token, token_str, sequence),
 * or with `--json` the pipeline's output as JSON (a list per mask when there
 * are several, as the pipeline returns).
 */
export async function fillCommand(args: FillArgs, context: CommandContext): Promise<number> {
  const text = readInput(args, context);
  const engine = new Engine({
    modelDir: args.modelDir,
    threads: args.threads,
    // Rewritten graphs live in the model cache, not in the user's model folder.
    graphCacheDir: path.join(defaultCacheDir(context.env), 'graphs'),
    logger: context.logger,
  });
  try {
    const info = await engine.load();
    const masks = findMaskTokens(text, info.maskToken);
    if (masks.length === 0) {
      throw new UsageError(`No ${info.maskToken} in the text: write ${info.maskToken} where a word should be predicted`);
    }
    const results = await engine.fill({ text, masks, topK: args.topK, maxTokens: args.maxTokens });
    context.stdout.write(args.json ? formatJson(results) : formatTables(results));
    return 0;
  } finally {
    await engine.dispose();
  }
}

function readInput(args: FillArgs, context: CommandContext): string {
  if (args.text !== undefined && args.file !== undefined) {
    throw new UsageError('Give the text either as an argument or with --file, not both');
  }
  if (args.file !== undefined) {
    return args.file === '-' ? context.readStdin() : readFileSync(args.file, 'utf8');
  }
  if (args.text === undefined) {
    throw new UsageError('Missing text: cloze fill "What is [MASK] name?" (or --file PATH, --file - for stdin)');
  }
  return args.text;
}

function pipelineRows(result: MaskResult) {
  return result.suggestions.map(({ score, token, token_str, sequence }) => ({ score, token, token_str, sequence }));
}

function formatJson(results: MaskResult[]): string {
  const rows = results.length === 1 ? pipelineRows(results[0]) : results.map(pipelineRows);
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** Columns padded to their widest cell; scores with 4 decimals as the pipeline's repr rounds them for reading. */
export function formatTables(results: MaskResult[]): string {
  return results
    .map((result, i) => {
      const header = results.length > 1 ? `mask ${i + 1} of ${results.length} (offset ${result.span.start})\n` : '';
      const rows = [
        ['score', 'token', 'token_str', 'sequence'],
        ...result.suggestions.map((s) => [s.score.toFixed(4), String(s.token), s.token_str, s.sequence]),
      ];
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
      const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]))).join('  '));
      return header + lines.join('\n') + '\n';
    })
    .join('\n');
}

function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
