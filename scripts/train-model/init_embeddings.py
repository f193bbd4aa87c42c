#!/usr/bin/python3
"""Word embeddings to start training from, computed from the training text.

The factorisation of a word-context matrix that skip-gram word vectors
approximate (Levy & Goldberg, 2014, "Neural word embedding as implicit matrix
factorization"): positive pointwise mutual information of vocabulary ids that
occur within `--window` tokens of each other (context counts smoothed with the
power 0.75), reduced to `--hidden` dimensions by a randomized SVD, U·sqrt(S).
Ids that never occur keep BERT's normal(0, 0.02) initialisation; the rest are
scaled to the same standard deviation. A start that already knows which words
occur in like contexts, so that training spends its few steps on the encoder.

It tokenizes the training text as train.py does and leaves the packed rows
in the run folder (`train_rows.npy`), where train.py finds them.

Usage:
  init_embeddings.py --corpus DATA/corpus --run DATA/run [--hidden 128] [--window 4]
  train.py --corpus DATA/corpus --out DATA/run --init-embeddings DATA/run/init_embeddings.npy ...
"""
import argparse
import os
import time

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import DEFAULT_TOKENIZER_DIR, pack  # noqa: E402
from wordpiece import BertTokenizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default='/work/data/corpus')
    ap.add_argument('--run', required=True, help='the run folder: writes train_rows.npy (if missing) and init_embeddings.npy there')
    ap.add_argument('--tokenizer', default=DEFAULT_TOKENIZER_DIR)
    ap.add_argument('--seq-len', type=int, default=128)
    ap.add_argument('--vocab-size', type=int, default=30522)
    ap.add_argument('--hidden', type=int, default=128)
    ap.add_argument('--window', type=int, default=4)
    ap.add_argument('--seed', type=int, default=18)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    V = args.vocab_size
    os.makedirs(args.run, exist_ok=True)
    tok = BertTokenizer(os.path.join(args.tokenizer, 'tokenizer.json'))
    rows = pack(tok, os.path.join(args.corpus, 'train.txt'), args.seq_len, os.path.join(args.run, 'train_rows.npy'))
    stream = rows[:, 1:-1].reshape(-1).astype(np.int64)
    out = os.path.join(args.run, 'init_embeddings.npy')

    counts = torch.zeros(V * V, dtype=torch.float32)
    for d in range(1, args.window + 1):
        a, b = stream[:-d], stream[d:]
        for left, right in ((a, b), (b, a)):
            keys, n = np.unique(left * V + right, return_counts=True)
            counts.index_add_(0, torch.from_numpy(keys), torch.from_numpy(n.astype(np.float32)) / d)
    counts = counts.view(V, V)
    print(f'co-occurrence counts in {time.time() - t0:.0f}s', flush=True)

    occurrences = counts.sum(1, keepdim=True)
    ctx = counts.sum(0, keepdim=True).pow(0.75)
    ctx = ctx / ctx.sum()
    # PPMI in place: log(count / (row_total * P_ctx^0.75 smoothed)), negatives and empty cells to 0.
    counts.div_(occurrences.clamp(min=1)).div_(ctx.clamp(min=1e-12)).clamp_(min=1e-30).log_().clamp_(min=0)
    print(f'PPMI in {time.time() - t0:.0f}s', flush=True)

    u, s, _ = torch.svd_lowrank(counts, q=args.hidden + 10, niter=4)
    emb = (u[:, :args.hidden] * s[:args.hidden].sqrt()).numpy()
    seen = occurrences.squeeze(1).numpy() > 0
    emb[seen] *= 0.02 / emb[seen].std()
    rng = np.random.default_rng(args.seed)
    emb[~seen] = rng.normal(0, 0.02, size=(int((~seen).sum()), args.hidden))
    np.save(out, emb.astype(np.float32))
    print(f'{int(seen.sum())} of {V} ids seen; embeddings {emb.shape} in {time.time() - t0:.0f}s -> {out}', flush=True)


if __name__ == '__main__':
    main()
