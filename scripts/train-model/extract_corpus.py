#!/usr/bin/python3
"""Extract English prose paragraphs from Debian documentation packages.

Reads the installed documentation of a few Debian packages (reStructuredText,
POD, AsciiDoc and HTML), keeps paragraphs of running prose (no code, literal
blocks, tables, headings, directives or licence boilerplate), strips inline
markup, de-duplicates them and splits them into a training and a held-out set
by document.

Output (in --out):
  train.txt, heldout.txt   one paragraph per line
  heldout_documents.txt    the paths of the held-out documents
  manifest.json            per source: package, version, licence, counts

Usage: extract_corpus.py [--out /work/data/corpus] [--heldout 0.025] [--seed 18]
"""
import argparse
import gzip
import hashlib
import html
import html.parser
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

# --------------------------------------------------------------------------
# sources


def read_text(path):
    data = gzip.open(path).read() if str(path).endswith('.gz') else open(path, 'rb').read()
    return data.decode('utf-8', errors='replace')


def files_of(root, patterns):
    out = []
    for pat in patterns:
        out.extend(Path(root).rglob(pat))
    return sorted(set(str(p) for p in out if p.is_file()))


SKIP_DOC = re.compile(r'(^|/)(license|licence|copyright|LICENSES|COPYING|credits|translations?|'
                      r'zh_CN|zh_TW|ja_JP|ko_KR|it_IT|sp_SP|pt_BR|changes\b|whatsnew|'
                      r'perl5\d+delta|perl\d+delta)', re.I)

SOURCES = [
    {
        'name': 'python3.11-doc', 'format': 'rst',
        'files': lambda: files_of('/usr/share/doc/python3.11-doc/html/_sources', ['*.rst.txt']),
    },
    {
        'name': 'linux-doc-6.1', 'format': 'rst',
        'files': lambda: files_of('/usr/share/doc/linux-doc-6.1/Documentation', ['*.rst.gz', '*.rst', '*.txt.gz']),
    },
    {
        'name': 'perl-doc', 'format': 'pod',
        'files': lambda: files_of('/usr/share/perl/5.36.0/pod', ['*.pod']),
    },
    {
        'name': 'git-doc', 'format': 'asciidoc',
        'files': lambda: files_of('/usr/share/doc/git-doc', ['*.txt']),
    },
    {
        'name': 'debian-handbook', 'format': 'html',
        'files': lambda: files_of('/usr/share/doc/debian-handbook/html/en-US', ['*.html']),
    },
    {
        'name': 'debian-reference-en', 'format': 'html',
        'files': lambda: files_of('/usr/share/debian-reference', ['*.en.html']),
    },
]

# --------------------------------------------------------------------------
# block splitting helpers


def blocks_of(lines):
    """Groups lines into blocks separated by blank lines: [(first_line_indent, [lines])]."""
    block = []
    for line in lines + ['']:
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []


def indent_of(line):
    return len(line) - len(line.lstrip(' '))


BULLET = re.compile(r'^\s*(?:[-*+•]|#\.|\(?\d+[.)]|\(?[a-zA-Z][.)])\s+')

# --------------------------------------------------------------------------
# reStructuredText

RST_UNDERLINE = re.compile(r'^\s*([=\-~^"\'`#*+_.:<>])\1{2,}\s*$')
RST_SKIP_DIRECTIVES = re.compile(
    r'^\s*\.\.\s+(code-block|code|sourcecode|literalinclude|highlight|productionlist|math|'
    r'csv-table|table|list-table|kernel-doc|toctree|doctest|testcode|testoutput|testsetup|'
    r'include|raw|only|c:\w+|py:\w+|cpp:\w+|function|class|method|data|attribute|module|'
    r'opcode|cmdoption|option|envvar|describe|index|image|figure|graphviz|kernel-figure|'
    r'kernel-render|kernel-feat|kernel-abi|flat-table|parsed-literal|productionlist|'
    r'seealso|versionadded|versionchanged|deprecated|audit-event|rubric|tabularcolumns|'
    r'SPDX|sectionauthor|moduleauthor|glossary|contents|\|)', re.I)


def rst_inline(text):
    text = re.sub(r':[\w:+.-]+:`~?!?([^`<]*?)\s*<[^`>]*>`', r'\1', text)   # :role:`text <target>`
    text = re.sub(r':[\w:+.-]+:`~?!?([^`]*)`', lambda m: m.group(1).split('.')[-1] if m.group(0).find('~') > 0 else m.group(1), text)
    text = re.sub(r'`([^`<]*?)\s*<[^`>]*>`__?', r'\1', text)               # `text <url>`_
    text = re.sub(r'``([^`]*)``', r'\1', text)
    text = re.sub(r'`([^`]*)`_{0,2}', r'\1', text)
    text = re.sub(r'\[(?:#\w*|\d+|\*)\]_', '', text)                        # footnote refs
    text = re.sub(r'\*\*([^*]+)\*\*', r'\1', text)
    text = re.sub(r'(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])', r'\1', text)
    text = re.sub(r'\|([\w -]+)\|_?', r'\1', text)
    text = re.sub(r'(\w)_(?=[\s.,;:)]|$)', r'\1', text)                     # word_ link refs
    text = text.replace('\\ ', '').replace('\\', '')
    return text


def rst_paragraphs(text):
    lines = text.expandtabs(8).split('\n')
    skip_deeper_than = None   # skip blocks indented more than this
    for block in blocks_of(lines):
        ind = indent_of(block[0])
        if skip_deeper_than is not None:
            if ind > skip_deeper_than:
                continue
            skip_deeper_than = None
        first = block[0].strip()
        if first.startswith('..'):
            # directives and comments: skip their body unless it is an admonition of prose
            if not re.match(r'^\.\.\s+(note|warning|important|tip|hint|caution|attention|danger|admonition)::', first):
                skip_deeper_than = ind
                continue
            # admonition: keep text after '::' on the same line, and its body
            rest = first.split('::', 1)[1].strip()
            block = ([' ' * (ind + 3) + rest] if rest else []) + block[1:]
            if not block:
                continue
        if any(RST_UNDERLINE.match(l) for l in block):
            continue                                  # headings, tables with === rules
        if any(re.match(r'^\s*[+|]', l) for l in block):
            continue                                  # grid tables, line blocks
        if block[-1].rstrip().endswith('::'):
            skip_deeper_than = indent_of(block[0]) if not BULLET.match(block[0]) else indent_of(block[0])
            # keep the paragraph itself, with '::' turned into ':' (or dropped for a bare '::')
            if block[-1].strip() == '::':
                continue
            block = block[:-1] + [re.sub(r'\s*::$', ':', block[-1])]
        if first.startswith('>>>') or first.startswith('$ ') or first.startswith('#'):
            continue
        if re.match(r'^\s*:[\w -]+:', block[0]):
            continue                                  # field lists
        for item in split_items(block):
            yield rst_inline(item)


def split_items(block):
    """Splits a block into list items (or returns it whole), joining lines."""
    items, cur = [], []
    for l in block:
        if BULLET.match(l) and cur:
            items.append(cur)
            cur = []
        cur.append(BULLET.sub('', l, count=1) if not cur else l)
    if cur:
        items.append(cur)
    return [' '.join(x.strip() for x in it) for it in items]

# --------------------------------------------------------------------------
# POD


def pod_inline(text):
    text = re.sub(r'[XZ]<+[^>]*>+', '', text)
    text = text.replace('E<lt>', '<').replace('E<gt>', '>').replace('E<verbar>', '|').replace('E<sol>', '/')
    text = re.sub(r'E<\w+>', '', text)
    for _ in range(4):
        text = re.sub(r'([BICFSL])<<+\s+(.*?)\s+>>+', r'\1<\2>', text)
        text = re.sub(r'L<([^<>|]*)\|[^<>]*>', r'\1', text)
        text = re.sub(r'L<"?([^<>"/]*)"?(?:/"?([^<>"]*)"?)?>', lambda m: m.group(2) or m.group(1), text)
        text = re.sub(r'[BICFS]<([^<>]*)>', r'\1', text)
    return text


def pod_paragraphs(text):
    lines = text.expandtabs(8).split('\n')
    in_begin = False
    in_pod = True
    for block in blocks_of(lines):
        first = block[0]
        if first.startswith('=begin') or first.startswith('=for'):
            in_begin = first.startswith('=begin')
            continue
        if first.startswith('=end'):
            in_begin = False
            continue
        if first.startswith('=cut'):
            in_pod = False
            continue
        if first.startswith('=pod') or first.startswith('=head'):
            in_pod = True
            continue
        if first.startswith('='):
            continue                                   # =item, =over, =back, =encoding
        if in_begin or not in_pod or first[:1] in (' ', '\t'):
            continue                                   # verbatim
        yield pod_inline(' '.join(l.strip() for l in block))

# --------------------------------------------------------------------------
# AsciiDoc (git documentation)


def adoc_inline(text):
    text = re.sub(r'linkgit:([\w.-]+)\[\d\]', r'\1', text)
    text = re.sub(r'link:\S+\[([^\]]*)\]', r'\1', text)
    text = re.sub(r'https?://\S+\[([^\]]*)\]', r'\1', text)
    text = re.sub(r'\{[\w-]+\}', '', text)
    text = re.sub(r'`([^`]*)`', r'\1', text)
    text = re.sub(r"(?<!\w)'([^'\s][^']*?)'(?!\w)", r'\1', text)
    text = re.sub(r'\*([^*\s][^*]*?)\*', r'\1', text)
    text = re.sub(r'(?<!\w)_([^_\s][^_]*?)_(?!\w)', r'\1', text)
    text = text.replace('+', ' ') if text.strip() == '+' else text
    return text


def adoc_paragraphs(text):
    lines = text.expandtabs(8).split('\n')
    out_lines, delim = [], None
    for l in lines:
        s = l.strip()
        m = re.match(r'^(-{4,}|\.{4,}|={4,}|\*{4,}|_{4,}|\+{4,}|/{4,}|\|={3,})$', s)
        if delim:
            if s == delim:
                delim = None
            out_lines.append('')
            continue
        if m and not (out_lines and out_lines[-1].strip() and s[0] in '=-~^+'):
            delim = s
            out_lines.append('')
            continue
        out_lines.append(l)
    for block in blocks_of(out_lines):
        if any(RST_UNDERLINE.match(l) for l in block[1:]) or block[0].startswith('='):
            continue                                    # headings
        if block[0][:1] in (' ', '\t'):
            continue                                    # literal paragraphs
        block = [l for l in block if not re.match(r'^\s*(\[.*\]|:[\w-]+:.*|include::.*|ifdef::.*|endif::.*|ifndef::.*|\+|//.*|\.\w.*)$', l)]
        # labelled-list terms ("term::") are dropped, the rest kept
        block = [l for l in block if not re.search(r'(::|;;)\s*$', l)]
        if not block:
            continue
        for item in split_items(block):
            yield adoc_inline(item)

# --------------------------------------------------------------------------
# HTML (DocBook output): text of <p> elements outside pre/table/code listings


class ParaParser(html.parser.HTMLParser):
    SKIP = {'pre', 'table', 'script', 'style', 'code_block_never'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras, self.cur, self.depth_skip, self.in_p = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth_skip += 1
        elif tag == 'p' or (tag == 'div' and 'para' in (dict(attrs).get('class') or '').split()):
            self.flush()
            self.in_p = 1
        elif tag in ('div', 'li', 'dd', 'dt', 'h1', 'h2', 'h3', 'h4', 'br', 'blockquote'):
            self.flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.depth_skip = max(0, self.depth_skip - 1)
        elif tag in ('p', 'div'):
            self.flush()

    def handle_data(self, data):
        if self.in_p and not self.depth_skip:
            self.cur.append(data)

    def flush(self):
        if self.in_p and self.cur:
            self.paras.append(''.join(self.cur))
        self.cur, self.in_p = [], 0


def html_paragraphs(text):
    p = ParaParser()
    p.feed(text)
    p.flush()
    return p.paras

# --------------------------------------------------------------------------
# filtering

BOILERPLATE = re.compile(r'copyright|\bSPDX\b|warranty|GNU (General|Free|Lesser)|Permission is (hereby )?granted|'
                         r'Creative Commons|licensed under|under the terms of|All rights reserved', re.I)
WORD_OK = re.compile(r"^[(\"']?[A-Za-z][A-Za-z'’-]*[)\"'.,;:!?]*$")


def clean(par):
    par = html.unescape(par)
    par = re.sub(r'\s+', ' ', par).strip()
    par = re.sub(r'\s+([.,;:!?])', r'\1', par)
    par = re.sub(r'\(\s*\)', '', par)
    return re.sub(r'\s+', ' ', par).strip()


def acceptable(par):
    words = par.split()
    if len(words) < 8 or len(words) > 300:
        return False
    if BOILERPLATE.search(par):
        return False
    good = sum(1 for w in words if WORD_OK.match(w))
    if good < 0.8 * len(words):
        return False
    nonspace = [c for c in par if not c.isspace()]
    alpha = sum(c.isalpha() for c in nonspace)
    if alpha < 0.8 * len(nonspace):
        return False
    if not par[0].isupper() and not par[0].isdigit() and par[0] not in '"\'(':
        return False
    if re.search(r'[{}<>=\\]|\w\(\)|->|::|\$\w', par):
        return False   # leftover code
    return True


def norm_hash(par):
    key = re.sub(r'[^a-z0-9]+', ' ', par.lower()).strip()
    return hashlib.sha1(key.encode()).digest()[:12]


PARSERS = {'rst': rst_paragraphs, 'pod': pod_paragraphs, 'asciidoc': adoc_paragraphs, 'html': html_paragraphs}


# Packages whose copyright file is not in the machine-readable (DEP-5) format.
MAIN_LICENCE = {'python3.11-doc': 'PSF-2.0 (the Python licence; see the copyright file)'}


def package_info(pkg):
    """Version, the licence of the package's main files ("Files: *"), and all licences named."""
    ver = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], capture_output=True, text=True).stdout.strip()
    cp = Path('/usr/share/doc') / pkg / 'copyright'
    text = cp.read_text(errors='replace') if cp.exists() else ''
    main, every = MAIN_LICENCE.get(pkg), []
    if text.startswith('Format:'):
        for stanza in re.split(r'\n\s*\n', text):
            files = re.search(r'^Files:\s*(.*)$', stanza, re.M)
            lic = re.search(r'^License:\s*(\S.*)$', stanza, re.M)
            if lic:
                name = lic.group(1).strip()
                if name not in every:
                    every.append(name)
                if files and files.group(1).split()[:1] == ['*'] and main is None:
                    main = name
    return ver, main, every, str(cp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='/work/data/corpus')
    ap.add_argument('--heldout', type=float, default=0.025)
    ap.add_argument('--seed', type=int, default=18)
    ap.add_argument('--sources', default=','.join(s['name'] for s in SOURCES))
    args = ap.parse_args()
    wanted = args.sources.split(',')
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    seen = set()
    manifest = {'seed': args.seed, 'heldout_fraction': args.heldout, 'sources': []}
    ftrain = open(out / 'train.txt', 'w')
    fheld = open(out / 'heldout.txt', 'w')
    heldout_docs = []
    for src in SOURCES:
        if src['name'] not in wanted:
            continue
        ver, main_lic, all_lic, cp = package_info(src['name'])
        stats = {'package': src['name'], 'version': ver, 'licence': main_lic, 'licences_in_copyright_file': all_lic,
                 'copyright_file': cp,
                 'format': src['format'], 'documents': 0, 'documents_heldout': 0,
                 'paragraphs': 0, 'words': 0, 'paragraphs_heldout': 0, 'words_heldout': 0,
                 'duplicates_dropped': 0}
        for path in src['files']():
            if SKIP_DOC.search(path.split('/', 4)[-1]):
                continue
            try:
                text = read_text(path)
            except OSError:
                continue
            pars = []
            for par in PARSERS[src['format']](text):
                par = clean(par)
                if not acceptable(par):
                    continue
                h = norm_hash(par)
                if h in seen:
                    stats['duplicates_dropped'] += 1
                    continue
                seen.add(h)
                pars.append(par)
            if not pars:
                continue
            held = rng.random() < args.heldout
            nw = sum(len(p.split()) for p in pars)
            stats['documents'] += 1
            if held:
                heldout_docs.append(path)
                stats['documents_heldout'] += 1
                stats['paragraphs_heldout'] += len(pars)
                stats['words_heldout'] += nw
                fheld.write(''.join(p + '\n' for p in pars))
            else:
                stats['paragraphs'] += len(pars)
                stats['words'] += nw
                ftrain.write(''.join(p + '\n' for p in pars))
        manifest['sources'].append(stats)
        print(json.dumps(stats), file=sys.stderr)
    ftrain.close()
    fheld.close()
    (out / 'heldout_documents.txt').write_text(''.join(p + '\n' for p in heldout_docs))
    for k in ('documents', 'documents_heldout', 'paragraphs', 'words', 'paragraphs_heldout', 'words_heldout'):
        manifest['total_' + k] = sum(s[k] for s in manifest['sources'])
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=2) + '\n')


if __name__ == '__main__':
    main()
