"""BERT uncased tokenizer (BertNormalizer + BertPreTokenizer + WordPiece), as
described by a Hugging Face tokenizer.json for bert-base-uncased.

Only the standard library is used; check_tokenizer.py compares it with the
JavaScript reference implementation on real paragraphs.
"""
import json
import unicodedata


def _is_whitespace(c):
    return c in ' \t\n\r' or c.isspace() and unicodedata.category(c) == 'Zs' or c in '\u0085\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x1f'


def _is_control(c):
    if c in '\t\n\r':
        return False
    return unicodedata.category(c) in ('Cc', 'Cf', 'Cs', 'Co', 'Cn')


def _is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith('P')


def _is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer:
    def __init__(self, tokenizer_json):
        spec = json.load(open(tokenizer_json))
        model = spec['model']
        assert model.get('type', 'WordPiece') == 'WordPiece'
        self.vocab = model['vocab']
        self.inv = {i: t for t, i in self.vocab.items()}
        self.unk = model['unk_token']
        self.prefix = model['continuing_subword_prefix']
        self.max_chars = model['max_input_chars_per_word']
        norm = spec['normalizer']
        self.lowercase = norm.get('lowercase', True)
        sa = norm.get('strip_accents')
        self.strip_accents = self.lowercase if sa is None else sa
        self.cls_id = self.vocab['[CLS]']
        self.sep_id = self.vocab['[SEP]']
        self.pad_id = self.vocab['[PAD]']
        self.mask_id = self.vocab['[MASK]']
        self.unk_id = self.vocab[self.unk]
        self.cache = {}

    def normalize(self, text):
        out = []
        for c in text:
            cp = ord(c)
            if cp == 0 or cp == 0xFFFD or _is_control(c):
                continue
            if _is_whitespace(c):
                out.append(' ')
            elif _is_chinese(cp):
                out.append(' ' + c + ' ')
            else:
                out.append(c)
        text = ''.join(out)
        if self.strip_accents:
            text = ''.join(c for c in unicodedata.normalize('NFD', text) if unicodedata.category(c) != 'Mn')
        if self.lowercase:
            text = text.lower()
        return text

    def pre_tokenize(self, text):
        words, cur = [], []
        for c in text:
            if _is_whitespace(c):
                if cur:
                    words.append(''.join(cur))
                    cur = []
            elif _is_punctuation(c):
                if cur:
                    words.append(''.join(cur))
                    cur = []
                words.append(c)
            else:
                cur.append(c)
        if cur:
            words.append(''.join(cur))
        return words

    def word_ids(self, word):
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        if len(word) > self.max_chars:
            ids = [self.unk_id]
        else:
            ids, start = [], 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    piece = word[start:end]
                    if start > 0:
                        piece = self.prefix + piece
                    if piece in self.vocab:
                        found = self.vocab[piece]
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk_id]
                    break
                ids.append(found)
                start = end
        if len(self.cache) < 500000:
            self.cache[word] = ids
        return ids

    def encode(self, text):
        """Token ids without [CLS]/[SEP]."""
        ids = []
        for w in self.pre_tokenize(self.normalize(text)):
            ids.extend(self.word_ids(w))
        return ids

    def decode_tokens(self, ids):
        return [self.inv[i] for i in ids]
