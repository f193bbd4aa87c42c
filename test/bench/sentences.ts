/**
 * Benchmark inputs: ordinary English prose cut to an exact number of model
 * tokens, with one word replaced by the mask token. Every call gets a
 * different text, so no result cache can answer it.
 */
import { buildWindow, findMaskTokens } from '../../src/engine/window/mask-window';
import type { WordTokenizer } from '../../src/engine/window/word-tokenizer';

/** A fixed passage of plain prose (written for this benchmark). */
const PROSE = [
  'The train was late again, so we waited on the platform with our coffee and watched the rain.',
  'My grandmother kept a small garden behind the house, where she grew tomatoes, beans and a few roses.',
  'When the meeting finally ended, everyone agreed that the new plan would need more time and money.',
  'He opened the letter slowly, as if he already knew what it was going to say.',
  'The museum is closed on Mondays, but the park next to it stays open until late in the evening.',
  'She has been learning to play the piano for three years and now practises every morning before work.',
  'Most of the children in the village walk to school, even in the middle of winter.',
  'We should probably check the weather before we decide to drive up into the mountains.',
  'The report shows that sales grew by ten percent last year, mainly because of the online store.',
  'After dinner, they sat by the fire and talked about the places they wanted to visit one day.',
  'The library downstairs has a quiet room where students can read without being disturbed.',
  'It took the engineers almost a week to find the cause of the problem in the old bridge.',
  'If you follow the river for about two miles, you will reach a small town with a famous bakery.',
  'Our neighbours are moving to another city next month because of a new job.',
  'The doctor told him to rest for a few days and to drink plenty of water.',
  'Every summer the town holds a music festival that brings thousands of visitors to the beach.',
  'I forgot my umbrella at the office, so I had to run home through the storm.',
  'The company plans to open two new factories and hire several hundred workers next year.',
  'Her first novel was not a success, but the second one made her famous almost overnight.',
  'The kitchen smelled of fresh bread, and the windows were covered with steam.',
  'Nobody expected the small team from the north to win the national championship.',
  'You can find the instructions on the back of the box, printed in very small letters.',
  'The old lighthouse on the hill has guided ships safely into the harbour for over a century.',
  'They spent the whole afternoon trying to fix the car, but in the end they called a mechanic.',
  'The teacher asked the class to write a short story about an animal that could talk.',
  'In the spring, the fields around the farm turn bright yellow with flowers.',
  'He always reads the newspaper on the way to work and leaves it on the seat for someone else.',
  'The hotel was comfortable and clean, although the rooms were smaller than we had hoped.',
  'Scientists have discovered a new species of frog in the forests of the southern islands.',
  'My brother called last night to say that he would be home for the holidays.',
  'The price of fresh fruit usually goes down in the summer, when there is more of it in the markets.',
  'She looked out of the window and saw that the snow had covered the whole street.',
  'The city council voted to build a new bicycle path along the river.',
  'When I was young, my father taught me how to fish in the lake behind our house.',
  'The concert was cancelled at the last minute because the singer had lost her voice.',
  'Please remember to turn off the lights and lock the door when you leave the building.',
  'The museum guide explained how the ancient city had been buried under the ash for centuries.',
  'We bought a second-hand table at the market and painted it a pale shade of blue.',
  'The new software update fixed several bugs, but it also made the program slower.',
  'At the end of the day, the fishermen brought their boats back to the harbour and sold their catch.',
].join(' ');

const WORDS = PROSE.split(/\s+/);

/** One benchmark input: `text` has exactly `tokens` model tokens, special tokens included, and one mask. */
export interface BenchInput {
  text: string;
  /** The mask token's span in `text`. */
  mask: { start: number; end: number };
  tokens: number;
}

/**
 * `count` inputs of exactly `tokens` tokens each (special tokens included),
 * each starting at a different word of the passage, the mask on a one-token
 * word near the middle.
 * @throws {Error} when an input cannot be built to the exact length, or the
 *   engine's window would not take it whole.
 */
export function benchInputs(tokenizer: WordTokenizer, tokens: number, count: number, seed = 0): BenchInput[] {
  const specials = tokenizer.prefixIds.length + tokenizer.suffixIds.length;
  const target = tokens - specials;
  const pieces = new Map<string, number>();
  const lengthOf = (word: string): number => {
    let n = pieces.get(word);
    if (n === undefined) pieces.set(word, (n = tokenizer.encodePiece(word).length));
    return n;
  };
  const fill = (start: number, budget: number): string[] => {
    const words: string[] = [];
    let used = 0;
    for (let k = 0; used < budget && k < 4 * WORDS.length; k++) {
      const word = WORDS[(start + k) % WORDS.length];
      const n = lengthOf(word);
      if (used + n <= budget) {
        words.push(word);
        used += n;
      }
    }
    if (used !== budget) throw new Error(`Cannot build a ${tokens}-token input from word ${start}`);
    return words;
  };
  const inputs: BenchInput[] = [];
  for (let i = 0; i < count; i++) {
    const start = (seed * 104_729 + i * 13) % WORDS.length;
    let words = fill(start, target);
    // The mask replaces a one-token word of letters near the middle, a little to either side per input;
    // with a vocabulary too small to have one (the tiny test model), it goes between two words.
    const middle = Math.max(0, Math.floor(words.length / 2) + ((i % 5) - 2));
    const candidates = words.map((_, k) => k).filter((k) => /^[a-z]+$/i.test(words[k]) && lengthOf(words[k]) === 1);
    if (candidates.length > 0) {
      const at = candidates.reduce((best, k) => (Math.abs(k - middle) < Math.abs(best - middle) ? k : best));
      words[at] = tokenizer.maskToken;
    } else {
      words = fill(start, target - 1);
      words.splice(Math.min(middle, words.length), 0, tokenizer.maskToken);
    }
    const text = words.join(' ');
    const [mask] = findMaskTokens(text, tokenizer.maskToken);
    const ids = tokenizer.encode(text);
    const window = buildWindow(text, [mask], tokenizer, { maxTokens: tokens });
    if (ids.length !== tokens || window.inputIds.length !== tokens) {
      throw new Error(`Expected a ${tokens}-token input, got ${ids.length} tokens (window ${window.inputIds.length}): ${text}`);
    }
    inputs.push({ text, mask, tokens });
  }
  return inputs;
}
