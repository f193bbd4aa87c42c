#!/usr/bin/python3
"""Trains a small BERT masked-language model on the extracted corpus.

The recipe follows "Cramming" (Geiping & Goldstein, 2022) where it applies to a
small CPU run: packed sequences of 128 tokens, masked-LM only (no NSP), 15%
masking with 80/10/10, prediction only at the masked positions (the hidden
states are gathered before the vocabulary projection), no dropout, AdamW with
a one-cycle schedule (linear warm-up, linear decay to zero) and gradient
clipping, and a budget given in wall-clock minutes.

The architecture and parameter names are those of Hugging Face's
BertForMaskedLM (post-LayerNorm encoder, GELU with erf, LayerNorm eps 1e-12,
MLM head dense + gelu + LayerNorm, decoder tied to the word embeddings plus a
bias), so the weights can be exported as an ordinary BERT model.

The schedule runs on progress = elapsed / budget (as in Cramming), so a
slower or busier machine takes fewer steps rather than overrunning the budget;
the number of steps taken is recorded. `--steps N` runs the schedule on
progress = step / N instead (with --budget-min as an upper bound), which
replays a run step for step.

Usage:
  train.py --corpus /work/data/corpus --out /work/data/run1 --budget-min 80
"""
import argparse
import json
import math
import os
import random
import sys
import time

# One BLAS thread, and OpenMP threads that sleep rather than spin while they
# wait: on a machine shared with other work, OpenBLAS's own thread pool next to
# PyTorch's spinning OpenMP threads made each step several times slower. Must be
# set before numpy and torch load their libraries.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wordpiece import BertTokenizer  # noqa: E402


# The bert-base-uncased tokenizer files: $CLOZE_BERT_BASE_UNCASED_DIR, else ../shared/bert-base-uncased beside the repository.
DEFAULT_TOKENIZER_DIR = os.environ.get('CLOZE_BERT_BASE_UNCASED_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'bert-base-uncased'))


# --------------------------------------------------------------------------
# model (Hugging Face BertForMaskedLM names)

class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'], padding_idx=c['pad_token_id'])
        self.position_embeddings = nn.Embedding(c['max_position_embeddings'], c['hidden_size'])
        self.token_type_embeddings = nn.Embedding(c['type_vocab_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c['hidden_size']
        self.heads = c['num_attention_heads']
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)

    def forward(self, x, bias):
        b, s, h = x.shape
        d = h // self.heads
        q = self.query(x).view(b, s, self.heads, d).transpose(1, 2)
        k = self.key(x).view(b, s, self.heads, d).transpose(1, 2)
        v = self.value(x).view(b, s, self.heads, d).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)
        if bias is not None:
            scores = scores + bias
        ctx = scores.softmax(-1) @ v
        return ctx.transpose(1, 2).reshape(b, s, h)


class Dense(nn.Module):
    def __init__(self, i, o, eps=None):
        super().__init__()
        self.dense = nn.Linear(i, o)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(o, eps=eps)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = Dense(c['hidden_size'], c['hidden_size'], c['layer_norm_eps'])

    def forward(self, x, bias):
        return self.output.LayerNorm(self.output.dense(self.self(x, bias)) + x)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Dense(c['hidden_size'], c['intermediate_size'])
        self.output = Dense(c['intermediate_size'], c['hidden_size'], c['layer_norm_eps'])

    def forward(self, x, bias):
        a = self.attention(x, bias)
        return self.output.LayerNorm(self.output.dense(F.gelu(self.intermediate.dense(a))) + a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c['num_hidden_layers'])])


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)


class Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c['layer_norm_eps'])


class Predictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = Transform(c)
        self.bias = nn.Parameter(torch.zeros(c['vocab_size']))


class Cls(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = Predictions(c)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = Bert(c)
        self.cls = Cls(c)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def hidden(self, ids, attention_mask=None):
        bias = None
        if attention_mask is not None:
            bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        x = self.bert.embeddings(ids)
        for layer in self.bert.encoder.layer:
            x = layer(x, bias)
        return x

    def head(self, h):
        t = self.cls.predictions.transform
        h = t.LayerNorm(F.gelu(t.dense(h)))
        return h @ self.bert.embeddings.word_embeddings.weight.t() + self.cls.predictions.bias

    def masked_logits(self, ids, positions):
        """Logits only at the (flattened) masked positions."""
        h = self.hidden(ids)
        return self.head(h.reshape(-1, h.shape[-1])[positions])


# --------------------------------------------------------------------------
# data

def pack(tok, path, seq_len, cache):
    """Concatenates paragraphs ([SEP] between them) and cuts [CLS] x [SEP] rows."""
    if cache and os.path.exists(cache):
        return np.load(cache)
    stream = []
    t0 = time.time()
    with open(path) as f:
        for i, line in enumerate(f):
            line = line.strip()
            if line:
                stream.extend(tok.encode(line))
                stream.append(tok.sep_id)
            if i % 20000 == 0:
                print(f'  tokenized {i} paragraphs, {len(stream)} tokens, {time.time() - t0:.0f}s', flush=True)
    body = seq_len - 2
    n = len(stream) // body
    arr = np.array(stream[:n * body], dtype=np.int32).reshape(n, body)
    rows = np.empty((n, seq_len), dtype=np.int32)
    rows[:, 0] = tok.cls_id
    rows[:, 1:-1] = arr
    rows[:, -1] = tok.sep_id
    if cache:
        np.save(cache, rows)
    return rows


def mask_batch(ids, tok, vocab_size, gen, prob=0.15):
    """BERT masking: 15% of the non-special tokens; of those 80% [MASK], 10% random, 10% kept."""
    ids = ids.clone()
    special = (ids == tok.cls_id) | (ids == tok.sep_id) | (ids == tok.pad_id)
    r = torch.rand(ids.shape, generator=gen)
    chosen = (r < prob) & ~special
    flat = chosen.view(-1).nonzero().squeeze(1)
    labels = ids.view(-1)[flat].clone()
    action = torch.rand(flat.shape, generator=gen)
    rand_tok = torch.randint(999, vocab_size, flat.shape, generator=gen)  # skip [unused] / specials
    v = ids.view(-1)
    v[flat[action < 0.8]] = tok.mask_id
    sel = (action >= 0.8) & (action < 0.9)
    v[flat[sel]] = rand_tok[sel]
    return ids, flat, labels


@torch.no_grad()
def evaluate(model, rows, tok, vocab_size, seed, batch=32):
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    correct = total = 0
    loss = 0.0
    for i in range(0, len(rows), batch):
        ids = torch.from_numpy(rows[i:i + batch].astype(np.int64))
        mids, pos, labels = mask_batch(ids, tok, vocab_size, gen)
        logits = model.masked_logits(mids, pos)
        loss += F.cross_entropy(logits, labels, reduction='sum').item()
        correct += (logits.argmax(-1) == labels).sum().item()
        total += labels.numel()
    model.train()
    return {'masked_tokens': total, 'top1_accuracy': correct / max(total, 1), 'loss': loss / max(total, 1)}


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default='/work/data/corpus')
    ap.add_argument('--tokenizer', default=DEFAULT_TOKENIZER_DIR)
    ap.add_argument('--out', default='/work/data/run1')
    ap.add_argument('--seed', type=int, default=18)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--intermediate', type=int, default=1024)
    ap.add_argument('--seq-len', type=int, default=128)
    ap.add_argument('--micro-batch', type=int, default=32)
    ap.add_argument('--accum', type=int, default=1)
    ap.add_argument('--lr', type=float, default=5e-4)
    ap.add_argument('--warmup', type=float, default=0.06, help='fraction of the schedule')
    ap.add_argument('--weight-decay', type=float, default=0.01)
    ap.add_argument('--clip', type=float, default=0.5)
    ap.add_argument('--budget-min', type=float, default=78.0, help='wall-clock minutes for the training loop')
    ap.add_argument('--steps', type=int, default=0, help='optimizer steps of the schedule; 0: schedule on wall-clock time')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--sinusoidal-positions', action='store_true', help='start the position embeddings from sinusoids')
    ap.add_argument('--init-embeddings', default='', help='word embeddings to start from ([vocab, hidden] .npy, from init_embeddings.py)')
    ap.add_argument('--ckpt-every-min', type=float, default=5.0)
    ap.add_argument('--eval-rows', type=int, default=256, help='held-out rows for the periodic evaluation')
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, 'train.log'), 'a')

    def say(msg):
        line = time.strftime('%H:%M:%S ') + msg
        print(line, flush=True)
        log.write(line + '\n')
        log.flush()

    tok = BertTokenizer(os.path.join(args.tokenizer, 'tokenizer.json'))
    base = json.load(open(os.path.join(args.tokenizer, 'config.json')))
    cfg = {
        'vocab_size': base['vocab_size'], 'hidden_size': args.hidden, 'num_hidden_layers': args.layers,
        'num_attention_heads': args.heads, 'intermediate_size': args.intermediate,
        'max_position_embeddings': 512, 'type_vocab_size': 2, 'layer_norm_eps': 1e-12,
        'pad_token_id': base.get('pad_token_id', 0),
    }
    say(f'config {json.dumps(cfg)} args {json.dumps(vars(args))}')
    train_rows = pack(tok, os.path.join(args.corpus, 'train.txt'), args.seq_len, os.path.join(args.out, 'train_rows.npy'))
    held_rows = pack(tok, os.path.join(args.corpus, 'heldout.txt'), args.seq_len, os.path.join(args.out, 'heldout_rows.npy'))
    say(f'train rows {len(train_rows)} ({train_rows.size} tokens), held-out rows {len(held_rows)}')

    model = BertForMaskedLM(cfg)
    if args.init_embeddings:
        init = torch.from_numpy(np.load(args.init_embeddings))
        if tuple(init.shape) != tuple(model.bert.embeddings.word_embeddings.weight.shape):
            sys.exit(f'{args.init_embeddings}: shape {tuple(init.shape)}, the model needs {tuple(model.bert.embeddings.word_embeddings.weight.shape)}')
        with torch.no_grad():
            model.bert.embeddings.word_embeddings.weight.copy_(init)
        say(f'word embeddings from {args.init_embeddings}')
    if args.sinusoidal_positions:
        # Learned position embeddings as BERT has them, started from the Transformer's sinusoids (at the
        # word embeddings' scale): relative offsets are then linear maps from the start, so attention can
        # find a word's neighbours before it has learned positions.
        weight = model.bert.embeddings.position_embeddings.weight
        n, d = weight.shape
        pos = torch.arange(n, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
        with torch.no_grad():
            weight[:, 0::2] = torch.sin(pos * freq)
            weight[:, 1::2] = torch.cos(pos * freq)
            weight.mul_(0.02 / weight.std())
        say('position embeddings started from sinusoids')
    nparams = sum(p.numel() for p in model.parameters())
    say(f'parameters {nparams}')
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': args.weight_decay},
                             {'params': no_decay, 'weight_decay': 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    gen = torch.Generator().manual_seed(args.seed)
    order_rng = np.random.default_rng(args.seed)
    order, cursor, epoch = order_rng.permutation(len(train_rows)), 0, 0
    tokens_per_step = args.micro_batch * args.accum * args.seq_len
    budget = args.budget_min * 60.0
    planned = args.steps

    def next_batch():
        nonlocal order, cursor, epoch
        if cursor + args.micro_batch > len(order):
            order, cursor, epoch = order_rng.permutation(len(train_rows)), 0, epoch + 1
        idx = order[cursor:cursor + args.micro_batch]
        cursor += args.micro_batch
        return torch.from_numpy(train_rows[idx].astype(np.int64))

    def save(tag, extra):
        path = os.path.join(args.out, f'{tag}.pt')
        torch.save({'config': cfg, 'model': model.state_dict(), 'meta': extra}, path + '.tmp')
        os.replace(path + '.tmp', path)

    t_start = time.time()
    last_ckpt = t_start
    step = 0
    seen_tokens = 0
    ema_loss = None
    progress = 0.0
    while progress < 1.0:
        # learning rate from progress (one cycle)
        if planned:
            frac = step / planned
            progress = frac if time.time() - t_start < budget else 1.0
        else:
            progress = (time.time() - t_start) / budget
        if progress >= 1.0:
            break
        lr = args.lr * (progress / args.warmup if progress < args.warmup else (1 - progress) / (1 - args.warmup))
        for g in opt.param_groups:
            g['lr'] = lr
        total_loss = 0.0
        for _ in range(args.accum):
            ids, pos, labels = mask_batch(next_batch(), tok, cfg['vocab_size'], gen)
            loss = F.cross_entropy(model.masked_logits(ids, pos), labels)
            (loss / args.accum).backward()
            total_loss += loss.item() / args.accum
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip).item()
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        seen_tokens += tokens_per_step
        ema_loss = total_loss if ema_loss is None else 0.95 * ema_loss + 0.05 * total_loss
        elapsed = time.time() - t_start
        if step % 5 == 0:
            say(f'step {step}/{planned} epoch {epoch} lr {lr:.2e} loss {total_loss:.3f} ema {ema_loss:.3f} '
                f'gnorm {gnorm:.2f} tokens {seen_tokens} {seen_tokens / elapsed:.0f} tok/s elapsed {elapsed / 60:.1f} min')
        if time.time() - last_ckpt > args.ckpt_every_min * 60:
            ev = evaluate(model, held_rows[:args.eval_rows], tok, cfg['vocab_size'], args.seed + 1)
            say(f'checkpoint step {step}: held-out (first {args.eval_rows} rows) {json.dumps(ev)}')
            save('latest', {'step': step, 'tokens_seen': seen_tokens, 'minutes': elapsed / 60, 'seed': args.seed,
                            'heldout_partial': ev, 'final': False})
            last_ckpt = time.time()
    minutes = (time.time() - t_start) / 60
    say(f'training done: {step} steps, {seen_tokens} tokens, {minutes:.1f} min')
    ev = evaluate(model, held_rows, tok, cfg['vocab_size'], args.seed + 1)
    say(f'final held-out {json.dumps(ev)}')
    meta = {'step': step, 'planned_steps': planned, 'tokens_seen': seen_tokens, 'minutes': minutes,
            'seed': args.seed, 'epochs': seen_tokens / train_rows.size, 'parameters': nparams,
            'train_tokens': int(train_rows.size), 'heldout': ev, 'args': vars(args), 'final': True}
    save('final', meta)
    save('latest', meta)
    json.dump(meta, open(os.path.join(args.out, 'result.json'), 'w'), indent=2)


if __name__ == '__main__':
    main()
