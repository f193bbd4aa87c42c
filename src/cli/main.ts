/**
 * The `cloze` command line. Text stays on this machine: the only network use
 * is a model download that the user asks for.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Logger, ModelError, silentLogger } from '../engine';
import { type CommandContext, UsageError } from './command';
import { createCliStore, reportError as reportModelError } from './command-support';
import { DOWNLOAD_USAGE, downloadCommand, obtainModel } from './download-command';
import { embedCommand } from './embed-command';
import { fillCommand } from './fill-command';
import { MODELS_USAGE, modelsCommand } from './models-command';

// onnxruntime reads this when it is first loaded; the engine's worker gets it too.
process.env.ORT_DISABLE_TELEMETRY = '1';

const USAGE = `Usage: cloze <command> [options]

Commands:
  fill [TEXT]          Predict each [MASK] in TEXT (or --file) and print the ranked words
    --file PATH|-      read the text from a file, or from standard input with -
    --model MODEL      a local model folder (model.onnx, tokenizer.json, tokenizer_config.json,
                       config.json), a catalogue id, or a Hub repository owner/name[@revision];
                       default: bert-base-uncased, downloaded on first use
    --top-k N          candidates per mask, 1 to 50 (default 5)
    --max-tokens N     the most model tokens around each mask (default 128)
    --threads N        inference threads (default: CPUs, at most 4)
    --json             print JSON as the Hugging Face fill-mask pipeline returns it
    --independent      several masks: predict each on its own (the pipeline); by default they
                       are filled jointly, most confident first, each seeing the earlier words
    --whole-words      also propose words of 2-3 vocabulary pieces (score: mean per piece)
    --targets A,B,C    print the score of each of these words at each mask instead
    --pair A B         a BERT sentence pair: [CLS] A [SEP] B [SEP], segment ids 0 then 1;
                       masks may be in either sentence
    --verbose          log what the engine does to standard error
  embed [TEXT]         Print the mean-pooled last hidden state of TEXT (feature extraction)
    --file, --model, --threads as for fill; --json prints { dims, tokens, truncated, vector }
  ${MODELS_USAGE}
  ${DOWNLOAD_USAGE}
    --cache-dir DIR    where downloaded models live (default: the user cache folder)

Environment:
  CLOZE_MODEL          default for --model
  CLOZE_CACHE_DIR      default for --cache-dir
  HF_ENDPOINT          a Hugging Face Hub mirror (default https://huggingface.co)
  HF_TOKEN             a token for private repositories (sent to the Hub only, never printed)
  HTTPS_PROXY, NO_PROXY  proxy settings for downloads
`;

const OPTIONS = {
  file: { type: 'string' },
  model: { type: 'string' },
  'top-k': { type: 'string' },
  'max-tokens': { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean', default: false },
  independent: { type: 'boolean', default: false },
  'whole-words': { type: 'boolean', default: false },
  targets: { type: 'string' },
  pair: { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], context: CommandContext): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      context.stdout.write(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const logger = values.verbose ? stderrLogger(context.stderr) : context.logger;
    switch (command) {
      case 'fill':
      case 'embed': {
        if (values.pair && command === 'fill') {
          if (rest.length !== 2) throw new UsageError(`Expected two sentences with --pair, got ${rest.length}: cloze fill --pair "First sentence." "Second [MASK]."`);
        } else if (rest.length > 1) {
          throw new UsageError(`Expected one TEXT argument, got ${rest.length}: quote the sentence`);
        }
        const store = createCliStore({ positionals: [], values }, { env: context.env, logger });
        const spec = values.model ?? context.env.CLOZE_MODEL ?? (await store.catalogue()).default;
        let modelDir: string;
        try {
          modelDir = await obtainModel(store, spec, context.stderr, { quiet: values.quiet });
        } catch (error) {
          return reportModelError(error, context.stderr);
        }
        if (command === 'embed') {
          const threads = values.threads === undefined ? undefined : integerOption('--threads', values.threads, 1);
          return await embedCommand({ text: rest[0], file: values.file, modelDir, threads, json: values.json }, { ...context, logger });
        }
        return await fillCommand(
          {
            text: rest[0],
            file: values.file,
            modelDir,
            topK: integerOption('--top-k', values['top-k'], 5),
            maxTokens: integerOption('--max-tokens', values['max-tokens'], 128),
            threads: values.threads === undefined ? undefined : integerOption('--threads', values.threads, 1),
            json: values.json,
            independent: values.independent,
            wholeWords: values['whole-words'],
            targets: targetsOption(values.targets),
            pair: values.pair ? rest[1] : undefined,
          },
          { ...context, logger },
        );
      }
      case 'models':
        return await modelsCommand({ positionals: rest, values }, context.stdout, context.stderr, { env: context.env, logger });
      case 'download':
        return await downloadCommand({ positionals: rest, values }, context.stdout, context.stderr, { env: context.env, logger });
      default:
        throw new UsageError(`Unknown command \`${command}\``);
    }
  } catch (error) {
    return reportError(error, context);
  }
}

function targetsOption(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const words = raw.split(',').map((w) => w.trim());
  if (words.some((w) => w.length === 0)) throw new UsageError(`Expected --targets to be words separated by commas, got \`${raw}\``);
  return words;
}

function integerOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`Expected ${name} to be an integer, got \`${raw}\``);
  return value;
}

function reportError(error: unknown, context: CommandContext): number {
  if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
    context.stderr.write(`cloze: ${(error as Error).message}\nRun \`cloze --help\` for usage.\n`);
    return 2;
  }
  if (error instanceof ModelError) {
    context.stderr.write(`cloze: ${error.message}\n`);
    return 1;
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    context.stderr.write(`cloze: ${error.message}\n`);
    return 2;
  }
  context.stderr.write(`cloze: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

function stderrLogger(stderr: NodeJS.WritableStream): Logger {
  const write = (level: string) => (message: unknown) => stderr.write(`[${level}] ${String(message)}\n`);
  return { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

if (require.main === module) {
  const context: CommandContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: () => readFileSync(0, 'utf8'),
    logger: silentLogger,
    env: process.env,
  };
  void main(process.argv.slice(2), context).then((code) => {
    process.exitCode = code;
  });
}
