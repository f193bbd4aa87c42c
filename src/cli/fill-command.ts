import { findMaskTokens, type MaskResult } from '../engine';
import { type CommandContext, commandEngine, readCommandText, UsageError } from './command';

/** Options of `cloze fill`, as parsed from the command line. */
export interface FillArgs {
  text: string | undefined;
  file: string | undefined;
  modelDir: string;
  topK: number;
  maxTokens: number;
  threads: number | undefined;
  json: boolean;
  /** Several masks: fill them independently (the pipeline) rather than jointly. */
  independent: boolean;
  /** Also propose words of 2–3 vocabulary pieces. */
  wholeWords: boolean;
  /** Score these words at each mask instead of listing the model's candidates. */
  targets: string[] | undefined;
  /** The second sentence of a BERT sentence pair (`text` is the first). */
  pair: string | undefined;
}

/**
 * `cloze fill`: predicts every mask token in the text and prints, per mask, the
 * Hugging Face fill-mask pipeline's table (score, token, token_str, sequence),
 * or with `--json` the pipeline's output as JSON (a list per mask when there
 * are several, as the pipeline returns). Several masks are filled jointly
 * (most confident first, each step seeing the earlier choices) unless
 * `--independent` asks for the pipeline's behaviour. `--targets` prints each
 * target word's score instead; `--whole-words` adds words of several pieces.
 */
export async function fillCommand(args: FillArgs, context: CommandContext): Promise<number> {
  const text = readCommandText(args, context, 'cloze fill "What is [MASK] name?"');
  const engine = commandEngine(args, context);
  try {
    const info = await engine.load();
    const masks = findMaskTokens(text, info.maskToken);
    const pair = args.pair === undefined ? undefined : { text: args.pair, masks: findMaskTokens(args.pair, info.maskToken) };
    const count = masks.length + (pair?.masks.length ?? 0);
    if (count === 0) {
      throw new UsageError(`No ${info.maskToken} in the text: write ${info.maskToken} where a word should be predicted`);
    }
    if (args.targets) {
      const results = await engine.fill({ text, masks, pair, maxTokens: args.maxTokens, targets: args.targets });
      context.stdout.write(args.json ? formatTargetsJson(results) : formatTargets(results));
      return 0;
    }
    const joint = count > 1 && !args.independent;
    if (joint && args.wholeWords) {
      throw new UsageError('--whole-words fills one mask at a time: add --independent when the text has several masks');
    }
    const results = await engine.fill({ text, masks, pair, topK: args.topK, maxTokens: args.maxTokens, joint, wholeWords: args.wholeWords });
    if (joint) {
      context.stdout.write(args.json ? formatJointJson(results) : formatJoint(results));
    } else {
      context.stdout.write(args.json ? formatJson(results) : formatTables(results));
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

function pipelineRows(result: MaskResult) {
  return result.suggestions.map(({ score, token, token_str, sequence, pieces, tokens }) =>
    pieces === undefined ? { score, token, token_str, sequence } : { score, token, token_str, sequence, pieces, tokens });
}

/** The joint fill as JSON: the filled sequence, then per mask (document order) its step, word and candidates at that step. */
function formatJointJson(results: MaskResult[]): string {
  const value = {
    sequence: results.find((r) => r.joint)?.joint?.sequence ?? null,
    masks: results.map((r) => ({ offset: r.span.start, step: r.joint?.step ?? null, chosen: r.joint?.chosen.token_str ?? null, candidates: pipelineRows(r) })),
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The joint fill: the filled sequence, then per mask the table of candidates at the step it was filled. */
export function formatJoint(results: MaskResult[]): string {
  const sequence = results.find((r) => r.joint)?.joint?.sequence;
  const tables = results.map((r, i) => {
    const header = `mask ${i + 1} of ${results.length} (${where(r)}): `
      + (r.joint ? `filled at step ${r.joint.step + 1} with ${r.joint.chosen.token_str}` : 'not filled (no candidate)');
    return `${header}\n${table(r)}`;
  });
  return `joint: ${sequence ?? ''}\n\n${tables.join('\n')}`;
}

function formatTargetsJson(results: MaskResult[]): string {
  const rows = results.map((r) => (r.targets ?? []).map(({ word, score, pieces, tokens, logProb }) => ({ word, score, pieces, tokens, logProb })));
  return `${JSON.stringify(results.length === 1 ? rows[0] : rows, null, 2)}\n`;
}

/** Per mask: target, score, pieces, log-probability, in the order given. */
export function formatTargets(results: MaskResult[]): string {
  return results
    .map((result, i) => {
      const header = results.length > 1 ? `mask ${i + 1} of ${results.length} (${where(result)})\n` : '';
      const rows = [
        ['target', 'score', 'pieces', 'logprob'],
        ...(result.targets ?? []).map((t) => [t.word, t.score.toFixed(4), String(t.pieces), t.logProb.toFixed(3)]),
      ];
      return header + columns(rows);
    })
    .join('\n');
}

function formatJson(results: MaskResult[]): string {
  const rows = results.length === 1 ? pipelineRows(results[0]) : results.map(pipelineRows);
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** Columns padded to their widest cell; scores with 4 decimals as the pipeline's repr rounds them for reading. */
export function formatTables(results: MaskResult[]): string {
  return results
    .map((result, i) => {
      const header = results.length > 1 ? `mask ${i + 1} of ${results.length} (${where(result)})\n` : '';
      return header + table(result);
    })
    .join('\n');
}

/** The pipeline's columns, plus `pieces` (before `sequence`) when the result has whole words. */
function table(result: MaskResult): string {
  const withPieces = result.suggestions.some((s) => s.pieces !== undefined);
  const rows = [
    withPieces ? ['score', 'token', 'token_str', 'pieces', 'sequence'] : ['score', 'token', 'token_str', 'sequence'],
    ...result.suggestions.map((s) =>
      withPieces
        ? [s.score.toFixed(4), String(s.token), s.token_str, String(s.pieces ?? 1), s.sequence]
        : [s.score.toFixed(4), String(s.token), s.token_str, s.sequence]),
  ];
  return columns(rows);
}

/** Columns padded to their widest cell; the last column is not padded. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c]))));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]))).join('  '));
  return lines.join('\n') + '\n';
}

function where(result: MaskResult): string {
  return `${result.segment === 1 ? 'sentence 2, ' : ''}offset ${result.span.start}`;
}

function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
