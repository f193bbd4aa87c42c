/**
 * The `cloze` command line. Text stays on this machine: the only network use
 * is a model download that the user asks for.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { type Logger, silentLogger } from '../engine';
import { type Command, type CommandContext, EXIT, type OutputStream, reportError, UsageError } from './command';
import { DOWNLOAD_USAGE, downloadCommand } from './download-command';
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
    --alternatives fit|meaning  for a word to replace: what fits the gap (default) or what keeps
                       its meaning too (the sentence with the word is read first, as a pair)
    --replace WORD     propose alternatives to the first WORD of TEXT (a whole word)
    --at OFFSET|end    fill a blank inserted at this character offset of TEXT (or its end),
                       the text on both sides as it is: cloze fill "The weather today is " --at end
    --targets A,B,C    print the score of each of these words at each mask instead
    --pair A B         a BERT sentence pair: [CLS] A [SEP] B [SEP], segment ids 0 then 1;
                       masks may be in either sentence
    --verbose          log what the engine does to standard error
  embed [TEXT]         Print the mean-pooled last hidden state of TEXT (feature extraction)
    --file, --model, --threads as for fill; --json prints { dims, tokens, truncated, vector }
  ${MODELS_USAGE}
  ${DOWNLOAD_USAGE}
    --cache-dir DIR    where downloaded models live (default: the user cache folder)

  --version            print the version
  --help, -h           print this help

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
  at: { type: 'string' },
  alternatives: { type: 'string' },
  replace: { type: 'string' },
  targets: { type: 'string' },
  pair: { type: 'boolean', default: false },
  'cache-dir': { type: 'string' },
  quiet: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

type OptionName = keyof typeof OPTIONS;
const MODEL_OPTIONS: readonly OptionName[] = ['model', 'cache-dir', 'quiet', 'threads'];

/** Each command, and the options it takes besides `--help` and `--verbose`. */
const COMMANDS: Record<string, { run: Command; options: readonly OptionName[] }> = {
  fill: { run: fillCommand, options: [...MODEL_OPTIONS, 'file', 'top-k', 'max-tokens', 'json', 'independent', 'whole-words', 'at', 'replace', 'alternatives', 'targets', 'pair'] },
  embed: { run: embedCommand, options: [...MODEL_OPTIONS, 'file', 'json'] },
  models: { run: modelsCommand, options: ['cache-dir', 'json'] },
  download: { run: downloadCommand, options: ['cache-dir', 'quiet'] },
};

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], context: CommandContext): Promise<number> {
  try {
    const { values, positionals, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
    const [name, ...rest] = positionals;
    if (values.version) {
      context.stdout.write(`${version}\n`);
      return EXIT.ok;
    }
    if (values.help || name === undefined || name === 'help') {
      context.stdout.write(USAGE);
      return name === undefined && !values.help ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`Unknown command \`${name}\``);
    for (const token of tokens) {
      if (token.kind !== 'option' || token.name === 'verbose') continue;
      if (!command.options.includes(token.name as OptionName)) throw new UsageError(`\`cloze ${name}\` does not take ${token.rawName}`);
    }
    const logger = values.verbose ? stderrLogger(context.stderr) : context.logger;
    return await command.run({ positionals: rest, values }, { ...context, logger });
  } catch (error) {
    return reportError(error, context.stderr);
  }
}

function stderrLogger(stderr: OutputStream): Logger {
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
