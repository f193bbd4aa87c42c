import { DEFAULT_ALTERNATIVES, findMaskTokens, type MaskResult } from '../engine';
import { wordsOf } from '../text/words';
import { columns } from './columns';
import { type CommandArgs, type CommandContext, commandEngine, EXIT, integerOption, readCommandText, stringOption, UsageError } from './command';
import { commandModel } from './download-command';

/**
 * `cloze fill`: predicts every mask token in the text and prints, per mask, the
 * Hugging Face fill-mask pipeline's table (score, token, token_str, sequence),
 * or with `--json` the pipeline's output as JSON (a list per mask when there
 * are several, as the pipeline returns). Several masks are filled jointly
 * (most confident first, each step seeing the earlier choices) unless
 * `--independent` asks for the pipeline's behaviour. `--targets` prints each
 * target word's score instead; `--whole-words` adds words of several pieces;
 * `--pair` takes a second sentence (a BERT sentence pair); `--at` inserts a
 * blank at an offset (or the end) of the text; `--replace` asks for
 * alternatives to a word, `--alternatives meaning` for ones that keep its meaning.
 */
export async function fillCommand(args: CommandArgs, context: CommandContext): Promise<number> {
  const { positionals, values } = args;
  if (values.pair) {
    if (positionals.length !== 2) throw new UsageError(`Expected two sentences with --pair, got ${positionals.length}: cloze fill --pair "First sentence." "Second [MASK]."`);
  } else if (positionals.length > 1) {
    throw new UsageError(`Expected one TEXT argument, got ${positionals.length}: quote the sentence`);
  }
  const text = readCommandText(positionals[0], args, context, 'cloze fill "What is [MASK] name?"');
  const topK = integerOption(args, 'top-k', 5);
  const maxTokens = integerOption(args, 'max-tokens', 128);
  const targets = targetsOption(stringOption(args, 'targets'));
  const json = values.json === true;
  const alternatives = stringOption(args, 'alternatives') ?? DEFAULT_ALTERNATIVES;
  if (alternatives !== 'fit' && alternatives !== 'meaning') throw new UsageError(`Expected --alternatives to be fit or meaning, got \`${alternatives}\``);
  const engine = commandEngine(await commandModel(args, context), args, context);
  try {
    const info = await engine.load();
    const masks = findMaskTokens(text, info.maskToken);
    const at = stringOption(args, 'at');
    if (at !== undefined) {
      const offset = at === 'end' ? text.length : Number(at);
      if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
        throw new UsageError(`Expected --at to be an offset from 0 to ${text.length} (the text's length) or \`end\`, got \`${at}\``);
      }
      masks.push({ start: offset, end: offset });
      masks.sort((a, b) => a.start - b.start || a.end - b.end);
    }
    const replace = stringOption(args, 'replace');
    if (replace !== undefined) {
      const word = wordsOf(text).find((w) => text.slice(w.start, w.end) === replace);
      if (!word) throw new UsageError(`Expected --replace to name a whole word of the text, got \`${replace}\``);
      masks.push(word);
      masks.sort((a, b) => a.start - b.start || a.end - b.end);
    }
    const pair = values.pair ? { text: positionals[1], masks: findMaskTokens(positionals[1], info.maskToken) } : undefined;
    const count = masks.length + (pair?.masks.length ?? 0);
    if (count === 0) {
      throw new UsageError(`No ${info.maskToken} in the text: write ${info.maskToken} where a word should be predicted`);
    }
    if (targets) {
      const results = await engine.fill({ text, masks, pair, maxTokens, targets });
      context.stdout.write(json ? formatTargetsJson(results) : formatTargets(results));
      return EXIT.ok;
    }
    const wholeWords = values['whole-words'] === true;
    const joint = count > 1 && values.independent !== true;
    if (joint && wholeWords) {
      throw new UsageError('--whole-words fills one mask at a time: add --independent when the text has several masks');
    }
    const results = await engine.fill({ text, masks, pair, topK, maxTokens, joint, wholeWords, alternatives: pair ? undefined : alternatives });
    if (joint) {
      context.stdout.write(json ? formatJointJson(results) : formatJoint(results));
    } else {
      context.stdout.write(json ? formatJson(results) : formatTables(results));
    }
    return EXIT.ok;
  } finally {
    await engine.dispose();
  }
}

function targetsOption(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const words = raw.split(',').map((w) => w.trim());
  if (words.some((w) => w.length === 0)) throw new UsageError(`Expected --targets to be words separated by commas, got \`${raw}\``);
  return words;
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

function where(result: MaskResult): string {
  return `${result.segment === 1 ? 'sentence 2, ' : ''}offset ${result.span.start}`;
}
