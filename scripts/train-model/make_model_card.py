#!/usr/bin/python3
"""Writes the model card (README.md) and NOTICE of an exported model folder.

Usage: make_model_card.py <model-dir> <run-dir> <corpus-dir> [--name cloze-mini-en]

Reads <run-dir>/result.json (or the meta of <run-dir>/latest.pt for a run
stopped early), <corpus-dir>/manifest.json and the model folder's files.
"""
import argparse
import hashlib
import json
import os
import sys

NOTICE = """The files tokenizer.json, tokenizer_config.json and vocab.txt in this folder are
the tokenizer of Google's bert-base-uncased model (https://github.com/google-research/bert),
as published on the Hugging Face Hub (google-bert/bert-base-uncased).

Copyright 2018 The Google AI Language Team Authors.

Licensed under the Apache License, Version 2.0 (the "License"); you may not use
these files except in compliance with the License. You may obtain a copy of the
License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software distributed
under the License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR
CONDITIONS OF ANY KIND, either express or implied. See the License for the
specific language governing permissions and limitations under the License.
"""


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model_dir')
    ap.add_argument('run_dir')
    ap.add_argument('corpus_dir')
    ap.add_argument('--name', default='cloze-mini-en')
    args = ap.parse_args()
    result_path = os.path.join(args.run_dir, 'result.json')
    if os.path.exists(result_path):
        meta = json.load(open(result_path))
    else:
        import torch
        meta = torch.load(os.path.join(args.run_dir, 'latest.pt'), map_location='cpu')['meta']
    manifest = json.load(open(os.path.join(args.corpus_dir, 'manifest.json')))
    config = json.load(open(os.path.join(args.model_dir, 'config.json')))
    a = meta.get('args', {})
    ev = meta.get('heldout') or meta.get('heldout_partial') or {}
    final = meta.get('final', False)

    rows = []
    for s in manifest['sources']:
        rows.append(f"| `{s['package']}` {s['version']} | {s['format']} | {s['documents']} ({s['documents_heldout']} held out) "
                    f"| {s['paragraphs']:,} | {s['words']:,} | {s['licence']} |")
    files = []
    for f in ['model.onnx', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'cloze.json']:
        p = os.path.join(args.model_dir, f)
        if f == 'cloze.json' and not os.path.exists(p):
            continue
        files.append(f'| {f} | {os.path.getsize(p):,} | `{sha256(p)}` |')
    own = ''
    profile = os.path.join(args.model_dir, 'cloze.json')
    if os.path.exists(profile):
        hints = json.load(open(profile)).get('hints', {})
        own = ('\n## Its own hint thresholds\n\n`cloze.json` gives Cloze the unlikely-word thresholds measured for this model '
               f"(`minRatio` {hints.get('minRatio', 'default')}, `minScore` {hints.get('minScore', 'default')}), used where "
               'the settings `cloze.hints.minRatio` and `cloze.hints.minScore` are not set: a model this small is never '
               'as sure of a word as bert-base. How they were chosen, and what they cost: docs/quality.md.\n')

    status = '' if final else ('\n> **Early checkpoint.** This folder was exported from a checkpoint taken during training, '
                               'not from the finished run; the numbers below are that checkpoint\'s.\n')
    acc = f"{100 * ev['top1_accuracy']:.1f}%" if ev else 'not measured'
    weak = ''
    if ev and ev['top1_accuracy'] < 0.3:
        # What it says on the probes, computed here from the checkpoint rather than written by hand.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from probe import PROBES, load, top_candidates
        model, tok = load(os.path.join(args.run_dir, 'final.pt' if os.path.exists(os.path.join(args.run_dir, 'final.pt')) else 'latest.pt'))
        probes = '\n'.join(f'> - *{text}* → ' + ', '.join(f'{w} ({100 * p:.1f}%)' for w, p in top_candidates(model, tok, text)) for text in PROBES)
        weak = ('\n> **Weak.** At this budget ({:,} tokens seen, held-out top-1 {}) the model has learnt which words '
                'go with the subject of a sentence far better than which word fits its grammar: its guesses lean on '
                'frequent words and on words of the context. Its first five on the probes of `probe.py`:\n>\n{}\n>\n'
                '> It is a working, correctly wired English model for trying Cloze offline and for measuring it '
                '(docs/quality.md), not a good suggester; more training (a larger `--budget-min`, a larger model) is '
                'what it needs.\n').format(meta.get('tokens_seen', 0), f"{100 * ev['top1_accuracy']:.1f}%", probes)
    init_text = ''
    if a.get('init_embeddings'):
        init_text = ('\nThe word embeddings (tied to the output layer) started from the training text\'s own '
                     'co-occurrence statistics rather than at random: `scripts/train-model/init_embeddings.py`, the '
                     'positive PMI of vocabulary ids within 4 tokens of each other reduced to the hidden size by an SVD (about a minute) '
                     '(Levy & Goldberg, 2014), scaled to the usual initial standard deviation of 0.02. In two runs of '
                     'this recipe side by side, a held-out loss of 5.94 came after 982 steps from this start and after '
                     '2,356 from a random one.')
    if a.get('sinusoidal_positions'):
        init_text += ' The position embeddings started from sinusoids.'
    init_step = ''
    init_flag = ''
    if a.get('init_embeddings'):
        init_step = 'python3 scripts/train-model/init_embeddings.py --corpus $DATA/corpus --run $DATA/run\n'
        init_flag = ' \\\n  --init-embeddings $DATA/run/init_embeddings.npy'
    if a.get('sinusoidal_positions'):
        init_flag += ' --sinusoidal-positions'
    card = f"""# {args.name}

A small English BERT masked-language model for [Cloze](../../README.md), trained from scratch
on prose from Debian's documentation packages. It uses the vocabulary and tokenizer of
`bert-base-uncased` (lower-cased WordPiece, 30,522 entries), so it reads text exactly as that
model does, and it is laid out like a Hugging Face `BertForMaskedLM` ONNX export
(int8, dynamically quantized). It is far weaker than `bert-base-uncased`; what it offers is a
real, trained model of {os.path.getsize(os.path.join(args.model_dir, 'model.onnx')) / 1e6:.0f} MB that lives in the repository and needs no download.
{status}{weak}
Use it as a local model folder:

```sh
node dist/cli.js fill "the program prints an error [MASK] the file is missing ." --model models/{args.name}
```

## Model

| | |
| --- | --- |
| architecture | BertForMaskedLM (post-LayerNorm encoder, GELU, tied decoder + bias) |
| layers / hidden / heads / intermediate | {config['num_hidden_layers']} / {config['hidden_size']} / {config['num_attention_heads']} / {config['intermediate_size']} |
| vocabulary | 30,522 (bert-base-uncased) |
| positions | 512 (trained on sequences of {a.get('seq_len', 128)} tokens) |
| parameters | {meta.get('parameters', 0):,} |
| ONNX | opset 17; inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch_size, sequence_length]`); output `logits` (`[batch_size, sequence_length, 30522]`) |
| quantization | dynamic int8 as onnxruntime's `quantize_dynamic` writes it: MatMuls by a weight become `MatMulInteger` (symmetric per-tensor int8 weights, uint8 activations), embedding tables are int8 read by `Gather` + `DequantizeLinear` |

## Training data

Paragraphs of running prose from these Debian 12 packages, extracted by
`scripts/train-model/extract_corpus.py` (no code, literal blocks, tables, headings, markup
or licence text; paragraphs of at least 8 words, mostly alphabetic; de-duplicated).
About {100 * manifest['heldout_fraction']:.1f}% of the documents (seed {manifest['seed']}) were held out
for evaluation and never trained on.

| package | format | documents | paragraphs (train) | words (train) | licence (main files) |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}
| **total** | | {manifest['total_documents']} ({manifest['total_documents_heldout']} held out) | {manifest['total_paragraphs']:,} | {manifest['total_words']:,} | |

Held out: {manifest['total_paragraphs_heldout']:,} paragraphs, {manifest['total_words_heldout']:,} words.
The corpus is technical documentation (Linux kernel, Python, Perl, Git, Debian
administration), and the model's guesses lean that way.

## Training

`scripts/train-model/train.py`, a short-budget recipe after "Cramming" (Geiping & Goldstein, 2022):
paragraphs packed into `[CLS] … [SEP]` rows of {a.get('seq_len', 128)} tokens; masked-LM only, 15% of the
tokens masked (80% `[MASK]`, 10% random, 10% kept), the vocabulary projection computed only at the masked
positions; no dropout; AdamW (betas 0.9/0.98, weight decay {a.get('weight_decay')}), peak learning rate
{a.get('lr')}, linear warm-up over {100 * a.get('warmup', 0):.0f}% of the budget and linear decay to zero,
the schedule running on wall-clock time; gradient clipping at {a.get('clip')}; batches of
{a.get('micro_batch', 0) * a.get('accum', 1)} rows.{init_text}

| | |
| --- | --- |
| optimizer steps | {meta.get('step', 0):,} |
| tokens seen | {meta.get('tokens_seen', 0):,} ({meta.get('epochs', meta.get('tokens_seen', 0) / 4071168):.2f} passes over the {meta.get('train_tokens', 4071168):,} training tokens) |
| training time | {meta.get('minutes', 0):.1f} minutes on 2 CPU cores (a shared machine), PyTorch 1.13 (Debian) with OpenBLAS |
| seed | {meta.get('seed')} |

## Evaluation

Masked-token top-1 accuracy on the held-out documents (15% of the tokens masked as in training,
80/10/10, fixed seed): **{acc}** over {ev.get('masked_tokens', 0):,} masked tokens
(cross-entropy {ev.get('loss', float('nan')):.2f}). The held-out documents are listed in the corpus's
`heldout_documents.txt`, written by the extraction script.

{own}
## Files

| file | bytes | sha256 |
| --- | --- | --- |
{chr(10).join(files)}

## Licences

- `tokenizer.json`, `tokenizer_config.json`, `vocab.txt`: Google's bert-base-uncased tokenizer,
  Apache-2.0; see [NOTICE](NOTICE).
- `model.onnx`, `config.json`: trained by the Cloze project with the scripts in
  `scripts/train-model/`. The training text is under the licences listed above (GPL-2, GPL-2+,
  GPL-1+ or Artistic, PSF-2.0, GPL-2.0+ or CC-BY-SA-3.0). Whether a model trained on such text
  is covered by those licences is not settled; the sources are listed here for anyone
  redistributing it.

## Rebuilding

On Debian 12 (bookworm), from the repository root, with `../shared/bert-base-uncased/` present:

```sh
sudo apt-get install python3-torch python3-numpy libopenblas0-pthread \\
  python3.11-doc linux-doc-6.1 perl-doc git-doc debian-handbook debian-reference-en
DATA=/some/folder/outside/the/repository
python3 scripts/train-model/extract_corpus.py --out $DATA/corpus
{init_step}python3 scripts/train-model/train.py --corpus $DATA/corpus --out $DATA/run \\
  --layers {a.get('layers')} --hidden {a.get('hidden')} --heads {a.get('heads')} --intermediate {a.get('intermediate')} \\
  --micro-batch {a.get('micro_batch')} --accum {a.get('accum')} --lr {a.get('lr')} --warmup {a.get('warmup')} --budget-min {a.get('budget_min')} --seed {meta.get('seed')}{init_flag}
scripts/train-model/export.sh $DATA/run $DATA/corpus models/{args.name}
```

The schedule follows wall-clock time, so a rerun on another machine takes a different number of
steps; `--steps {meta.get('step', 0)} --budget-min 100000` instead runs this run's number of steps on a
step-based schedule (the same batches and masks, with the same seed; the learning rate at each step
differs a little, as the run's own schedule followed the clock).
"""
    with open(os.path.join(args.model_dir, 'README.md'), 'w') as f:
        f.write(card)
    with open(os.path.join(args.model_dir, 'NOTICE'), 'w') as f:
        f.write(NOTICE)


if __name__ == '__main__':
    main()
