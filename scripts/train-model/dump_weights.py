#!/usr/bin/python3
"""Writes a train.py checkpoint as raw float32 weights for export_onnx.ts.

Output (in --out):
  weights.bin    all tensors, float32 little-endian, one after another
  weights.json   {"config": {...}, "meta": {...}, "tensors": {name: {"offset", "shape"}}}

Names are Hugging Face BertForMaskedLM names. Linear weights are written as
[in, out] (transposed from PyTorch's [out, in]), the layout of an ONNX MatMul's
right operand. The decoder is tied: cls.predictions.decoder.weight is written
as the transposed word-embedding table, [hidden, vocab].

Usage: dump_weights.py /work/data/run1/final.pt /work/data/export
"""
import json
import os
import sys

import numpy as np
import torch


def main():
    ckpt_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ckpt = torch.load(ckpt_path, map_location='cpu')
    state = {k: v.float().numpy() for k, v in ckpt['model'].items()}
    tensors = {}
    offset = 0
    with open(os.path.join(out, 'weights.bin'), 'wb') as f:
        def put(name, arr):
            nonlocal offset
            arr = np.ascontiguousarray(arr, dtype='<f4')
            f.write(arr.tobytes())
            tensors[name] = {'offset': offset, 'shape': list(arr.shape)}
            offset += arr.nbytes
        for name, arr in state.items():
            if arr.ndim == 2 and name.endswith('.weight') and 'embeddings' not in name:
                put(name, arr.T)
            else:
                put(name, arr)
        put('cls.predictions.decoder.weight', state['bert.embeddings.word_embeddings.weight'].T)
    json.dump({'config': ckpt['config'], 'meta': ckpt.get('meta', {}), 'tensors': tensors},
              open(os.path.join(out, 'weights.json'), 'w'), indent=1)
    print(f'wrote {len(tensors)} tensors, {offset} bytes to {out}')


if __name__ == '__main__':
    main()
