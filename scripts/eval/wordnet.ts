/**
 * Just enough of WordNet 3.0 (the `data.noun`, `data.verb`, `data.adj` and
 * `data.adv` files of Debian's wordnet-base, under /usr/share/wordnet) for
 * the alternatives section: a word's synonyms and antonyms. Only the data
 * files are read; their lines are keyed by the offset each line starts with,
 * so a small hand-written fixture in the same format works too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where Debian's wordnet-base puts the files. */
export const DEFAULT_WORDNET_DIR = '/usr/share/wordnet';

/** The four files, by the part of speech a pointer names (`s`, a satellite adjective, lives in `data.adj`). */
const FILES = { n: 'data.noun', v: 'data.verb', a: 'data.adj', r: 'data.adv' } as const;
type FilePos = keyof typeof FILES;

interface Pointer {
  symbol: string;
  target: string;
  /** The 1-based word number in the source synset the pointer is from; 0 for the whole synset. */
  source: number;
}

interface Synset {
  /** `n`, `v`, `a`, `s` (satellite adjective) or `r`. */
  type: string;
  /** Lowercase lemmas, `_` for spaces, adjective markers such as `(p)` removed. */
  words: string[];
  pointers: Pointer[];
}

export class WordNet {
  private readonly synsets = new Map<string, Synset>();
  /** Lemma -> the synsets that hold it, with its 1-based word number there. */
  private readonly senses = new Map<string, { key: string; word: number }[]>();

  /**
   * Reads the data files of `dir`; undefined when it has none of them (WordNet
   * is not installed).
   */
  static load(dir: string): WordNet | undefined {
    const present = (Object.keys(FILES) as FilePos[]).filter((pos) => fs.existsSync(path.join(dir, FILES[pos])));
    if (present.length === 0) return undefined;
    const wordnet = new WordNet();
    for (const pos of present) wordnet.read(pos, fs.readFileSync(path.join(dir, FILES[pos]), 'utf8'));
    return wordnet;
  }

  /** Synsets read. */
  get size(): number {
    return this.synsets.size;
  }

  /** Whether `word` (lowercase) is a lemma of a noun, verb or adjective synset. */
  isContentWord(word: string): boolean {
    return (this.senses.get(word) ?? []).some((s) => this.synsets.get(s.key)?.type !== 'r');
  }

  /** The one-word lemmas that share a synset with `word` (lowercase), `word` itself excluded. */
  synonyms(word: string): Set<string> {
    const out = new Set<string>();
    for (const { key } of this.senses.get(word) ?? []) {
      for (const w of this.synsets.get(key)?.words ?? []) if (w !== word && isOneWord(w)) out.add(w);
    }
    return out;
  }

  /**
   * The one-word antonyms of `word` (lowercase): the words of the synsets
   * its `!` pointers lead to (`big` -> `small`, `little`), and for a
   * satellite adjective, WordNet's indirect antonyms: those of the head
   * adjective it is similar to (`&`; `huge` -> `small`, `little`).
   */
  antonyms(word: string): Set<string> {
    const out = new Set<string>();
    const direct = (key: string, wordNumber: number): string[] => {
      const synset = this.synsets.get(key);
      if (!synset) return [];
      return synset.pointers
        .filter((p) => p.symbol === '!' && (p.source === 0 || p.source === wordNumber))
        .map((p) => p.target);
    };
    const addAntonymSynset = (target: string) => {
      for (const w of this.synsets.get(target)?.words ?? []) out.add(w);
    };
    for (const { key, word: number } of this.senses.get(word) ?? []) {
      const synset = this.synsets.get(key);
      for (const target of direct(key, number)) addAntonymSynset(target);
      if (synset?.type !== 's') continue;
      for (const head of synset.pointers.filter((p) => p.symbol === '&')) {
        const headSynset = this.synsets.get(head.target);
        headSynset?.words.forEach((_, i) => direct(head.target, i + 1).forEach(addAntonymSynset));
      }
    }
    out.delete(word);
    return new Set([...out].filter(isOneWord));
  }

  private read(pos: FilePos, text: string): void {
    for (const line of text.split('\n')) {
      // The licence at the top of each file is indented by two spaces.
      if (!/^\d/.test(line)) continue;
      const synset = parseLine(line);
      if (!synset) continue;
      const key = `${pos}:${synset.offset}`;
      this.synsets.set(key, synset.synset);
      synset.synset.words.forEach((w, i) => {
        const list = this.senses.get(w) ?? [];
        list.push({ key, word: i + 1 });
        this.senses.set(w, list);
      });
    }
  }
}

/** One line of a data file: `offset lex_filenum ss_type w_cnt word lex_id … p_cnt ptr… | gloss`. */
function parseLine(line: string): { offset: string; synset: Synset } | undefined {
  const fields = line.split(' | ')[0].trim().split(/\s+/);
  const [offset, , type, countHex] = fields;
  const count = parseInt(countHex, 16);
  if (!offset || !type || !Number.isFinite(count)) return undefined;
  let i = 4;
  const words: string[] = [];
  for (let w = 0; w < count; w++, i += 2) words.push(fields[i].replace(/\(\w+\)$/, '').toLowerCase());
  const pointerCount = Number(fields[i++]);
  const pointers: Pointer[] = [];
  for (let p = 0; p < pointerCount; p++, i += 4) {
    const [symbol, target, targetPos, sourceTarget] = fields.slice(i, i + 4);
    const filePos = targetPos === 's' ? 'a' : targetPos;
    pointers.push({ symbol, target: `${filePos}:${target}`, source: parseInt(sourceTarget.slice(0, 2), 16) });
  }
  return { offset, synset: { type, words, pointers } };
}

const isOneWord = (lemma: string) => /^\p{L}+$/u.test(lemma);
