/**
 * Real-word errors writers make: pairs of words each often typed for the
 * other. The hints section plants them, in both directions, into held-out
 * sentences.
 */
export const CONFUSION_PAIRS: readonly (readonly [string, string])[] = [
  ['their', 'there'],
  ["they're", 'their'],
  ["they're", 'there'],
  ['then', 'than'],
  ['its', "it's"],
  ['your', "you're"],
  ['form', 'from'],
  ['lose', 'loose'],
  ['affect', 'effect'],
  ['accept', 'except'],
  ['to', 'too'],
  ['quiet', 'quite'],
  ['weather', 'whether'],
  ['where', 'were'],
  ["who's", 'whose'],
  ['advice', 'advise'],
  ['principal', 'principle'],
  ['breath', 'breathe'],
  ['choose', 'chose'],
  ['desert', 'dessert'],
  ['week', 'weak'],
  ['hear', 'here'],
  ['know', 'no'],
  ['new', 'knew'],
  ['off', 'of'],
  ['past', 'passed'],
  ['peace', 'piece'],
  ['plain', 'plane'],
  ['right', 'write'],
  ['sight', 'site'],
  ['threw', 'through'],
  ['wear', 'where'],
  ['lead', 'led'],
  ['by', 'buy'],
  ['an', 'and'],
  ['whole', 'hole'],
  ['allowed', 'aloud'],
  ['compliment', 'complement'],
  ['cite', 'site'],
];

/** Word (lowercase) -> the words it is confused with, from {@link CONFUSION_PAIRS} in both directions. */
export function confusionMap(pairs: readonly (readonly [string, string])[] = CONFUSION_PAIRS): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (from: string, to: string) => {
    const list = map.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    map.set(from, list);
  };
  for (const [a, b] of pairs) {
    add(a, b);
    add(b, a);
  }
  return map;
}

/** `word` in the capitalisation of `like` (first letter, or all capitals). */
export function inCaseOf(word: string, like: string): string {
  if (like.length > 1 && like === like.toUpperCase() && like !== like.toLowerCase()) return word.toUpperCase();
  if (/^\p{Lu}/u.test(like)) return word[0].toUpperCase() + word.slice(1);
  return word;
}
