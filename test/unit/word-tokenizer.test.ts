import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { ModelError } from '../../src/engine/errors';
import { needsRealBert, realBert, realBertDir, smallBert, smallBertJson, smallRoberta, smallRobertaJson } from '../helpers/small-tokenizer';

/** A fresh temporary folder holding the given files. */
function folderWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-tok-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

function assertModelError(fn: () => unknown, code: string, filePath?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (filePath !== undefined) assert.equal(error.path, filePath);
    return true;
  });
}

const TRICKY = [
  'What is [MASK] name?',
  'strawberries',
  'Café naïve résumé — “quoted” (brackets), semi;colons: and... ellipses!',
  '中文字 日本語のテキスト 한국어',
  '👨‍👩‍👧 family 👍🏽 emoji',
  'tabs\tand\r\nCRLF\nlines',
  'שלום עולם مرحبا بالعالم',
  'e\u0301 combining a\u0308 marks',
  'zero\u200Bwidth\uFEFFjoined\fform\vfeed',
  "don't well-known U.S.A. 3.14 $5 #hash @at",
  '',
];

describe('WordTokenizer (real bert-base-uncased)', needsRealBert, () => {
  const tokenizer = realBert() as WordTokenizer;

  it('encodes a masked sentence as the Python tokenizer does', () => {
    assert.deepEqual(tokenizer.encode('What is [MASK] name?'), [101, 2054, 2003, 103, 2171, 1029, 102]);
    assert.deepEqual(tokenizer.encodePiece('strawberries').map((id) => tokenizer.idToToken(id)), ['straw', '##berries']);
  });

  it('knows its special tokens, vocabulary size and scheme', () => {
    assert.equal(tokenizer.maskToken, '[MASK]');
    assert.equal(tokenizer.maskTokenId, 103);
    assert.equal(tokenizer.clsTokenId, 101);
    assert.equal(tokenizer.sepTokenId, 102);
    assert.equal(tokenizer.padTokenId, 0);
    assert.equal(tokenizer.unkTokenId, 100);
    assert.deepEqual(tokenizer.prefixIds, [101]);
    assert.deepEqual(tokenizer.suffixIds, [102]);
    assert.deepEqual([...tokenizer.specialIds].sort((a, b) => a - b), [0, 100, 101, 102, 103]);
    assert.equal(tokenizer.vocabSize, 30522);
    assert.equal(tokenizer.lowercase, true);
    assert.equal(tokenizer.kind, 'wordpiece');
    assert.equal(tokenizer.continuationPrefix, '##');
    assert.equal(tokenizer.wordStartMarker, undefined);
    assert.equal(tokenizer.encodesWhitespace, false);
    assert.deepEqual(tokenizer.maskStrip, { left: false, right: false });
  });

  it('decodes like the pipeline: token_str keeps ##, sequences are cleaned up', () => {
    const berries = tokenizer.tokenToId('##berries') as number;
    assert.equal(tokenizer.decode([berries]), '##berries');
    assert.equal(tokenizer.decode([2115]), 'your');
    assert.equal(tokenizer.decode([101, 2054, 2003, 2115, 2171, 1029, 102], { skipSpecialTokens: true }), 'what is your name?');
    assert.equal(tokenizer.decode([101, 2054, 103, 102]), '[CLS] what [MASK] [SEP]');
    assert.equal(tokenizer.decode([13137, berries]), 'strawberries');
    assert.equal(tokenizer.decode([]), '');
  });

  it('marks continuation pieces', () => {
    assert.equal(tokenizer.isContinuation(tokenizer.tokenToId('##berries') as number), true);
    assert.equal(tokenizer.isContinuation(tokenizer.tokenToId('straw') as number), false);
    assert.equal(tokenizer.isContinuation(103), false);
    assert.equal(tokenizer.isContinuation(10 ** 9), false);
  });

  it('builds the same tokenizer from vocab.txt alone', () => {
    const fromVocab = WordTokenizer.fromVocabTxt(path.join(realBertDir, 'vocab.txt'), { lowercase: true });
    assert.equal(fromVocab.vocabSize, tokenizer.vocabSize);
    assert.equal(fromVocab.maskTokenId, tokenizer.maskTokenId);
    for (const text of TRICKY) assert.deepEqual(fromVocab.encode(text), tokenizer.encode(text), text);
    assert.equal(fromVocab.decode([101, 2054, 2003, 2115, 2171, 1029, 102], { skipSpecialTokens: true }), 'what is your name?');
  });

  it('loads a folder that has only vocab.txt, cased when tokenizer_config says so', () => {
    const vocab = fs.readFileSync(path.join(realBertDir, 'vocab.txt'), 'utf8');
    const uncased = WordTokenizer.fromFolder(folderWith({ 'vocab.txt': vocab }));
    assert.equal(uncased.lowercase, true);
    assert.deepEqual(uncased.encode('What is [MASK] name?'), [101, 2054, 2003, 103, 2171, 1029, 102]);
    const cased = WordTokenizer.fromFolder(folderWith({ 'vocab.txt': vocab, 'tokenizer_config.json': '{"do_lower_case": false}' }));
    assert.equal(cased.lowercase, false);
    assert.equal(cased.encodePiece('Paris')[0], 100);
  });
});

describe('WordTokenizer (small BERT-style)', () => {
  const tokenizer = smallBert();

  it('encodes and decodes with [CLS]/[SEP] around the text', () => {
    const ids = tokenizer.encode('What is [MASK] name?');
    assert.deepEqual(ids.map((id) => tokenizer.idToToken(id)), ['[CLS]', 'what', 'is', '[MASK]', 'name', '?', '[SEP]']);
    assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), 'what is name?');
    assert.deepEqual(tokenizer.encodePiece('strawberries').map((id) => tokenizer.idToToken(id)), ['straw', '##berries']);
    assert.deepEqual(tokenizer.encodePiece(''), []);
  });

  it('gives a remembered fragment the same ids, in an array of the caller\'s own', () => {
    const tokenizer = smallBert();
    const first = tokenizer.encodePiece(' strawberries');
    first.push(-1);
    first[0] = -2;
    const again = tokenizer.encodePiece(' strawberries');
    assert.deepEqual(again.map((id) => tokenizer.idToToken(id)), ['straw', '##berries']);
    again.length = 0;
    assert.deepEqual(tokenizer.encodePiece(' strawberries').map((id) => tokenizer.idToToken(id)), ['straw', '##berries']);
    // The same ids whether a fragment is new or remembered.
    for (const text of ['what', ' is ', 'name?', 'Straw berries', 'a\uFEFFb', ' what']) {
      const expected = smallBert().encodePiece(text);
      assert.deepEqual(tokenizer.encodePiece(text), expected, text);
      assert.deepEqual(tokenizer.encodePiece(text), expected, `${text} (remembered)`);
    }
  });

  it('reads the mask token from tokenizer_config, as a string or an AddedToken object', () => {
    const { tokenizerJson, tokenizerConfig } = smallBertJson();
    const asObject = WordTokenizer.fromJson(tokenizerJson, { ...tokenizerConfig, mask_token: { content: '[MASK]', lstrip: false } });
    assert.equal(asObject.maskToken, '[MASK]');
    assert.equal(asObject.maskTokenId, tokenizer.maskTokenId);
  });

  it('falls back to the added tokens when the config names no mask token', () => {
    const { tokenizerJson } = smallBertJson();
    const noConfig = WordTokenizer.fromJson(tokenizerJson, {});
    assert.equal(noConfig.maskToken, '[MASK]');
    assert.equal(noConfig.clsTokenId, tokenizer.clsTokenId);
  });

  it('tells whitespace that separates words from control characters BERT deletes', () => {
    for (const c of [' ', '\t', '\n', '\r', '\u00A0', '\u3000']) assert.equal(tokenizer.isWhitespace(c), true, JSON.stringify(c));
    for (const c of ['\v', '\f', '\uFEFF', 'a', '\u200B']) assert.equal(tokenizer.isWhitespace(c), false, JSON.stringify(c));
    // BERT joins the words around a character it deletes:
    assert.deepEqual(tokenizer.encodePiece('a\uFEFFb'), tokenizer.encodePiece('ab'));
  });

  it('isolates BMP CJK ideographs only', () => {
    assert.equal(tokenizer.isolates('中'.charCodeAt(0)), true);
    assert.equal(tokenizer.isolates('a'.charCodeAt(0)), false);
    assert.equal(tokenizer.isolates('\uD840'.charCodeAt(0)), false);
    assert.equal(smallRoberta().isolates('中'.charCodeAt(0)), false);
  });

  it('is cased when its normalizer does not lowercase', () => {
    const cased = smallBert({ lowercase: false });
    assert.equal(cased.lowercase, false);
    assert.equal(cased.normalize('Café'), 'Café');
    assert.equal(tokenizer.normalize('Café'), 'cafe');
  });

  it('reads tokenizer.json and tokenizer_config.json from a folder', () => {
    const { tokenizerJson, tokenizerConfig } = smallBertJson();
    const dir = folderWith({ 'tokenizer.json': JSON.stringify(tokenizerJson), 'tokenizer_config.json': JSON.stringify(tokenizerConfig) });
    assert.deepEqual(WordTokenizer.fromFolder(dir).encode('the cat'), tokenizer.encode('the cat'));
    const noConfig = folderWith({ 'tokenizer.json': JSON.stringify(tokenizerJson) });
    assert.deepEqual(WordTokenizer.fromFolder(noConfig).encode('the cat'), tokenizer.encode('the cat'));
  });
});

describe('WordTokenizer (small RoBERTa-style BPE)', () => {
  const tokenizer = smallRoberta();

  it('knows <s>, </s>, <pad> and a left-stripping <mask>', () => {
    assert.equal(tokenizer.maskToken, '<mask>');
    assert.deepEqual(tokenizer.maskStrip, { left: true, right: false });
    assert.deepEqual(tokenizer.prefixIds, [tokenizer.tokenToId('<s>')]);
    assert.deepEqual(tokenizer.suffixIds, [tokenizer.tokenToId('</s>')]);
    assert.equal(tokenizer.clsTokenId, 0);
    assert.equal(tokenizer.sepTokenId, 2);
    assert.equal(tokenizer.padTokenId, 1);
    assert.equal(tokenizer.kind, 'bpe');
    assert.equal(tokenizer.wordStartMarker, '\u0120');
    assert.equal(tokenizer.continuationPrefix, undefined);
    assert.equal(tokenizer.encodesWhitespace, true);
    assert.equal(tokenizer.lowercase, false);
  });

  it('strips the space before <mask> and marks word starts with Ġ', () => {
    const ids = tokenizer.encode('The capital of France is <mask>.');
    assert.deepEqual(ids.map((id) => tokenizer.idToToken(id)), ['<s>', 'The', 'Ġcapital', 'Ġof', 'ĠFrance', 'Ġis', '<mask>', '.', '</s>']);
  });

  it('decodes Ġparis as " paris", as the pipeline prints token_str', () => {
    assert.equal(tokenizer.decode([tokenizer.tokenToId('\u0120Paris') as number]), ' Paris');
    const paris = tokenizer.tokenToId('Paris') as number;
    assert.equal(tokenizer.decode([paris]), 'Paris');
    assert.equal(tokenizer.isContinuation(paris), true);
    assert.equal(tokenizer.isContinuation(tokenizer.tokenToId('\u0120Paris') as number), false);
  });

  it('round-trips arbitrary text through the byte-level vocabulary', () => {
    for (const text of TRICKY) {
      assert.equal(tokenizer.decode(tokenizer.encodePiece(text)), text, text);
    }
  });
});

describe('WordTokenizer errors', () => {
  it('rejects a folder without tokenizer.json or vocab.txt', () => {
    const dir = folderWith({});
    assertModelError(() => WordTokenizer.fromFolder(dir), 'missing-file', path.join(dir, 'tokenizer.json'));
  });

  it('rejects a tokenizer.json that is not JSON', () => {
    const dir = folderWith({ 'tokenizer.json': '{ not json' });
    assertModelError(() => WordTokenizer.fromFolder(dir), 'invalid-tokenizer', path.join(dir, 'tokenizer.json'));
  });

  it('rejects a tokenizer_config.json that is not JSON', () => {
    const { tokenizerJson } = smallBertJson();
    const dir = folderWith({ 'tokenizer.json': JSON.stringify(tokenizerJson), 'tokenizer_config.json': '[1,' });
    assertModelError(() => WordTokenizer.fromFolder(dir), 'invalid-tokenizer', path.join(dir, 'tokenizer_config.json'));
  });

  it('rejects a tokenizer_config.json that is not an object', () => {
    const { tokenizerJson } = smallBertJson();
    const dir = folderWith({ 'tokenizer.json': JSON.stringify(tokenizerJson), 'tokenizer_config.json': '[1, 2]' });
    assertModelError(() => WordTokenizer.fromFolder(dir), 'invalid-tokenizer', path.join(dir, 'tokenizer_config.json'));
  });

  it('rejects a tokenizer.json without a model', () => {
    assertModelError(() => WordTokenizer.fromJson({ added_tokens: [] }, {}, 'x/tokenizer.json'), 'invalid-tokenizer', 'x/tokenizer.json');
    assertModelError(() => WordTokenizer.fromJson(null), 'invalid-tokenizer');
  });

  it('rejects a tokenizer the library cannot load', () => {
    const { tokenizerJson, tokenizerConfig } = smallBertJson();
    const broken = { ...tokenizerJson, normalizer: { type: 'NoSuchNormalizer' } };
    assertModelError(() => WordTokenizer.fromJson(broken, tokenizerConfig, 'broken'), 'invalid-tokenizer', 'broken');
  });

  it('rejects a tokenizer without a mask token', () => {
    const { tokenizerJson } = smallBertJson();
    const added = (tokenizerJson.added_tokens as { content: string }[]).filter((t) => t.content !== '[MASK]');
    assertModelError(() => WordTokenizer.fromJson({ ...tokenizerJson, added_tokens: added }, {}, 'no-mask'), 'no-mask-token', 'no-mask');
  });

  it('rejects a configured mask token that is not in the vocabulary', () => {
    const { tokenizerJson, tokenizerConfig } = smallBertJson();
    assertModelError(() => WordTokenizer.fromJson(tokenizerJson, { ...tokenizerConfig, mask_token: '<nope>' }, 'bad-mask'), 'no-mask-token', 'bad-mask');
  });

  it('rejects an unsupported model type', () => {
    const { tokenizerJson, tokenizerConfig } = smallRobertaJson();
    const model = { ...(tokenizerJson.model as Record<string, unknown>), type: 'Mystery' };
    assert.throws(() => WordTokenizer.fromJson({ ...tokenizerJson, model }, tokenizerConfig), ModelError);
  });

  it('rejects a vocab.txt that does not exist', () => {
    const missing = path.join(os.tmpdir(), 'cloze-no-such-dir', 'vocab.txt');
    assertModelError(() => WordTokenizer.fromVocabTxt(missing), 'missing-file', missing);
  });

  it('rejects a vocab.txt without [CLS]', () => {
    const dir = folderWith({ 'vocab.txt': '[PAD]\n[UNK]\n[SEP]\n[MASK]\nhello\n' });
    assertModelError(() => WordTokenizer.fromVocabTxt(path.join(dir, 'vocab.txt')), 'invalid-tokenizer', path.join(dir, 'vocab.txt'));
  });

  it('rejects a vocab.txt without [MASK]', () => {
    const dir = folderWith({ 'vocab.txt': '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n' });
    assertModelError(() => WordTokenizer.fromVocabTxt(path.join(dir, 'vocab.txt')), 'no-mask-token', path.join(dir, 'vocab.txt'));
  });
});
