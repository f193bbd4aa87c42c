#!/usr/bin/python3
"""Compares wordpiece.py with the reference JS tokenizer on sample paragraphs.

Usage: check_tokenizer.py <tokenizer-folder> <lines.txt> [n]
Runs node check_tokenizer.mjs from the repository root (needs node_modules).
"""
import os
import random
import subprocess
import sys
import tempfile

from wordpiece import BertTokenizer

here = os.path.dirname(os.path.abspath(__file__))
folder, path = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
lines = [l.rstrip('\n') for l in open(path) if l.strip()]
random.Random(0).shuffle(lines)
lines = lines[:n] + ['Héllo, Wörld! naïve café — “quotes” 中文字 ½ ™ e\u0301 \u00a0x\u200by ' + 'a' * 120]
with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
    f.write('\n'.join(lines) + '\n')
repo = os.path.abspath(os.path.join(here, '..', '..'))
js = subprocess.run(['node', os.path.join(here, 'check_tokenizer.mjs'), folder, f.name],
                    cwd=repo, capture_output=True, text=True, check=True).stdout.split('\n')
tok = BertTokenizer(os.path.join(folder, 'tokenizer.json'))
bad = 0
for i, line in enumerate(lines):
    mine = ' '.join(map(str, tok.encode(line)))
    if mine != js[i]:
        bad += 1
        if bad <= 5:
            print('MISMATCH', repr(line[:200]))
            print('  py', tok.decode_tokens(tok.encode(line))[:40])
            print('  js', [tok.inv[int(x)] for x in js[i].split()][:40])
print(f'{len(lines)} lines, {bad} mismatches')
sys.exit(1 if bad else 0)
