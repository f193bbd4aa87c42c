// Encodes each line of a file with the reference tokenizer (@huggingface/tokenizers)
// and prints the token ids, one line per input line, without [CLS]/[SEP].
// Usage: node check_tokenizer.mjs <model-folder> <lines.txt>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const mod = await import(require.resolve('@huggingface/tokenizers'));
const Tokenizer = mod.Tokenizer ?? mod.default.Tokenizer;
const [dir, file] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')));
const out = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line) continue;
  out.push(tok.encode(line, { add_special_tokens: false }).ids.join(' '));
}
process.stdout.write(out.join('\n') + '\n');
