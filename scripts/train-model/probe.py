#!/usr/bin/python3
"""Top candidates of a train.py checkpoint at the [MASK] of a few probes (PyTorch).

Usage: probe.py <checkpoint.pt> [text ...]
Used to check an exported model against the checkpoint it came from.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import DEFAULT_TOKENIZER_DIR, BertForMaskedLM  # noqa: E402
from wordpiece import BertTokenizer  # noqa: E402

PROBES = [
    'the program prints an error [MASK] the file is missing .',
    'the capital of france is [MASK] .',
    'you can use the [MASK] command to list the files in a directory .',
    'the kernel [MASK] the memory of the process .',
]

def load(checkpoint):
    """The model of a train.py checkpoint and the bert-base-uncased tokenizer."""
    ckpt = torch.load(checkpoint, map_location='cpu')
    model = BertForMaskedLM(ckpt['config'])
    model.load_state_dict(ckpt['model'])
    model.eval()
    tok = BertTokenizer(os.path.join(DEFAULT_TOKENIZER_DIR, 'tokenizer.json'))
    return model, tok


def top_candidates(model, tok, text, k=5):
    """The `k` most probable vocabulary entries at the [MASK] of `text`, with their probabilities."""
    ids = []
    for i, part in enumerate(text.split('[MASK]')):
        if i:
            ids.append(tok.mask_id)
        ids.extend(tok.encode(part))
    ids = [tok.cls_id] + ids + [tok.sep_id]
    pos = ids.index(tok.mask_id)
    with torch.no_grad():
        logits = model.head(model.hidden(torch.tensor([ids]))[0, pos])
    top = logits.softmax(-1).topk(k)
    return [(tok.inv[i], v) for v, i in zip(top.values.tolist(), top.indices.tolist())]


if __name__ == '__main__':
    model, tok = load(sys.argv[1])
    for text in sys.argv[2:] or PROBES:
        print(text + '\n  torch: ' + ', '.join(f'{w} {100 * v:.1f}%' for w, v in top_candidates(model, tok, text)))
