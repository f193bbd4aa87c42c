import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chartRows,
  type ExplainModel,
  escapeHtml,
  HEAT_STEPS,
  heatLevel,
  heatStep,
  MAX_BARS,
  renderExplainHtml,
} from '../../src/editor/explain-html';

const page = { nonce: 'c2VjcmV0LW5vbmNlLTEyMzQ1Ng==', cspSource: 'vscode-webview-resource:' };
const hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';

const sample: ExplainModel = {
  source: 'notes.txt',
  chart: {
    kind: 'ready',
    data: {
      target: 'there',
      isMaskToken: false,
      candidates: [
        { word: 'their', score: 0.9 },
        { word: 'our', score: 0.06 },
        { word: 'the', score: 0.03 },
      ],
      original: { word: 'there', score: 0.0005 },
    },
  },
  heatMap: {
    kind: 'ready',
    data: {
      text: 'we love there house .',
      words: [
        { start: 0, end: 2, score: 0.4, alternatives: [{ word: 'they', score: 0.3 }] },
        { start: 3, end: 7, score: 0.2, alternatives: [] },
        { start: 8, end: 13, score: 0.0005, alternatives: [{ word: 'their', score: 0.9 }, { word: 'our', score: 0.06 }, { word: 'the', score: 0.03 }, { word: 'a', score: 0.01 }], slipFor: 'their' },
        { start: 14, end: 19, alternatives: [] },
      ],
      current: { start: 8, end: 13 },
    },
  },
};

/** The page without its Content-Security-Policy meta tag, whose sources may legitimately be URLs. */
const withoutCsp = (html: string) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');

describe('escapeHtml', () => {
  test('puts every message of the page through the translation function, and escapes what it returns', () => {
    const asked: string[] = [];
    const localize = (message: string, ...args: (string | number)[]) => {
      asked.push(message);
      return `«${message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]))}»<b>`;
    };
    const html = renderExplainHtml(sample, { ...page, localize });
    for (const message of ['Cloze: Explain Suggestions', 'Candidates for “{0}”', 'current', 'How expected each word is', 'slip', 'not scored']) {
      assert.ok(asked.includes(message), message);
    }
    assert.match(html, /«Candidates for “there”»&lt;b&gt;/);
    assert.doesNotMatch(html, /<b>/);
    assert.doesNotMatch(html.replace(/<style[\s\S]*?<\/style>/, ''), />How expected each word is</, 'no English left outside the translations');
  });

  test('escapes the five characters that matter in content and attributes', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    assert.equal(escapeHtml('plain words'), 'plain words');
  });
});

describe('renderExplainHtml', () => {
  test('has a strict Content-Security-Policy: nothing by default, styles by nonce, no scripts', () => {
    const html = renderExplainHtml(sample, page);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(csp, 'a CSP meta tag');
    assert.match(csp, /^default-src 'none';/);
    assert.match(csp, new RegExp(`style-src vscode-webview-resource: 'nonce-${page.nonce}';`));
    assert.match(csp, /script-src 'none';/);
    assert.doesNotMatch(csp, /unsafe/);
    // The only style element carries the nonce; nothing else is styled inline.
    assert.deepEqual(html.match(/<style[^>]*>/g), [`<style nonce="${page.nonce}">`]);
    assert.doesNotMatch(html, /\sstyle=/);
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style'), 'the policy comes before the style');
  });

  test('runs no script, loads nothing and has no event handlers', () => {
    for (const model of [sample, { ...sample, notice: hostile }]) {
      const html = withoutCsp(renderExplainHtml(model, { ...page, cspSource: 'https://*.vscode-cdn.net' }));
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /https?:/i);
      assert.doesNotMatch(html, /<[^>]*\son\w+=/i);
      assert.doesNotMatch(html, /<(?:link|img|iframe|object|embed|form)\b/i);
    }
  });

  test('escapes document text everywhere: words, paragraph, tooltips, notices', () => {
    const text = `a ${hostile} & b`;
    const start = text.indexOf('alert');
    const model: ExplainModel = {
      source: `<b>${hostile}</b>.txt`,
      chart: { kind: 'ready', data: { target: hostile, isMaskToken: false, candidates: [{ word: '<i>&', score: 0.5 }], original: { word: hostile, score: 0.1 } } },
      heatMap: {
        kind: 'ready',
        data: {
          text,
          words: [{ start, end: start + 5, score: 0.01, alternatives: [{ word: '"><script>', score: 0.5 }] }],
          current: { start: 0, end: 1 },
        },
      },
    };
    const html = renderExplainHtml(model, page);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<b>|<i>/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;img/);
    assert.match(html, /title="[^"]*&quot;&gt;&lt;script&gt;[^"]*"/, 'the alternative in the tooltip is escaped');
    const notice = renderExplainHtml({ ...model, notice: hostile }, page);
    assert.match(notice, /<p class="notice">&lt;script&gt;/);
    for (const section of ['chart', 'heatMap'] as const) {
      const html2 = renderExplainHtml({ ...model, [section]: { kind: 'message', text: hostile } }, page);
      assert.doesNotMatch(html2, /<script/i);
    }
  });

  test('shows the paragraph text unchanged once tags are taken away and entities decoded', () => {
    const html = renderExplainHtml(sample, page);
    const heat = /<div class="heat">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    const shown = heat.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    assert.equal(shown, sample.heatMap.kind === 'ready' ? sample.heatMap.data.text : '');
  });

  test('rejects a nonce that is not base64 text of some length', () => {
    assert.throws(() => renderExplainHtml(sample, { ...page, nonce: 'short' }), TypeError);
    assert.throws(() => renderExplainHtml(sample, { ...page, nonce: `abcdefghijklmnop"><script>` }), /nonce/);
  });

  test('labels each bar with the word and its percentage, best first, the current word marked', () => {
    const html = renderExplainHtml(sample, page);
    const rows = [...html.matchAll(/<tr class="row( original)?"><th scope="row" class="label">([^<]*)(?:<span class="tag">current<\/span>)?<\/th><td class="track"><span class="bar bar-(\d+)"><\/span><\/td><td class="pct">([^<]*)<\/td><\/tr>/g)];
    assert.deepEqual(rows.map((r) => [r[2].trim(), r[4], Boolean(r[1])]), [
      ['their', '90%', false],
      ['our', '6.0%', false],
      ['the', '3.0%', false],
      ['there', '0.05%', true],
    ]);
    assert.match(html, /<h2>Candidates for “there”<\/h2>/);
  });

  test('draws bar widths proportional to the probabilities, the best one full', () => {
    const html = renderExplainHtml(sample, page);
    const widths = [...html.matchAll(/\.bar-(\d+) \{ width: ([\d.]+)%; \}/g)].map((m) => Number(m[2]));
    assert.equal(widths.length, 4);
    assert.equal(widths[0], 100);
    const scores = [0.9, 0.06, 0.03, 0.0005];
    for (const [i, w] of widths.entries()) assert.ok(Math.abs(w - (100 * scores[i]) / 0.9) < 0.01, `bar ${i}: ${w}`);
  });

  test('shows a mask as it is typed and says when there are no candidates', () => {
    const html = renderExplainHtml({ ...sample, chart: { kind: 'ready', data: { target: '[MASK]', isMaskToken: true, candidates: [] } } }, page);
    assert.match(html, /<h2>Candidates for \[MASK\]<\/h2>/);
    assert.match(html, /no candidates here/);
  });

  test('shades each scored word by its heat step, leaves skipped words unshaded, and adds a legend', () => {
    const html = renderExplainHtml(sample, page);
    assert.match(html, /<span class="w h1" title="we: 40% here&#10;Instead: they 30%">we<\/span>/);
    assert.match(html, /<span class="w h8 slip current" title="there: 0.05% here&#10;Instead: their 90%, our 6.0%, the 3.0%&#10;Probably meant: their">there<\/span>/);
    assert.match(html, /<span class="w skipped" title="house: not scored[^"]*">house<\/span>/);
    const legend = [...html.matchAll(/<span class="swatch h(\d+)">([^<]*)<\/span>/g)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(legend, [[0, '100%'], [3, '10%'], [5, '1%'], [8, '0.1%'], [HEAT_STEPS, '≤ 0.01%']]);
    for (let step = 0; step <= HEAT_STEPS; step++) {
      assert.match(html, new RegExp(`\\.h${step} \\{ background-color: color-mix\\(in srgb, var\\(--vscode-charts-red\\) \\d+%, transparent\\); \\}`));
    }
  });

  test('outlines the cursor’s mask even when it is not a checked word', () => {
    const text = 'the cat drinks [MASK] .';
    const html = renderExplainHtml({ ...sample, heatMap: { kind: 'ready', data: { text, words: [{ start: 4, end: 7, score: 0.5, alternatives: [] }], current: { start: 15, end: 21 } } } }, page);
    assert.match(html, /drinks <span class="current">\[MASK\]<\/span> \./);
  });

  test('shows section messages and a whole-panel notice instead of data', () => {
    const html = renderExplainHtml({ chart: { kind: 'message', text: 'Loading the model', busy: true }, heatMap: { kind: 'message', text: 'Put the cursor in a paragraph.' } }, page);
    assert.match(html, /<p class="message busy">Loading the model<\/p>/);
    assert.match(html, /<p class="message">Put the cursor in a paragraph\.<\/p>/);
    const notice = renderExplainHtml({ ...sample, notice: 'Cloze is turned off.' }, page);
    assert.match(notice, /<p class="notice">Cloze is turned off\.<\/p>/);
    assert.doesNotMatch(notice, /class="chart"|class="heat"/);
  });

  test('uses only theme variables for colours', () => {
    const html = renderExplainHtml(sample, page);
    const style = /<style[^>]*>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    assert.doesNotMatch(style, /#[0-9a-f]{3,8}\b|rgb\(|hsl\(/i);
    assert.match(style, /var\(--vscode-editor-foreground\)/);
    assert.match(style, /var\(--vscode-charts-blue\)/);
  });
});

describe('chartRows', () => {
  test('orders the bars by probability, with the current word in its place', () => {
    const rows = chartRows({ target: 'big', isMaskToken: false, candidates: [{ word: 'large', score: 0.5 }, { word: 'huge', score: 0.1 }], original: { word: 'big', score: 0.3 } });
    assert.deepEqual(rows.map((r) => [r.word, r.isOriginal]), [['large', false], ['big', true], ['huge', false]]);
    assert.deepEqual(rows.map((r) => Math.round(r.width)), [100, 60, 20]);
  });

  test(`shows at most ${MAX_BARS} candidates, plus the current word`, () => {
    const candidates = Array.from({ length: 15 }, (_, i) => ({ word: `w${i}`, score: 0.5 / (i + 1) }));
    assert.equal(chartRows({ target: '[MASK]', isMaskToken: true, candidates }).length, MAX_BARS);
    assert.equal(chartRows({ target: 'x', isMaskToken: false, candidates, original: { word: 'x', score: 0 } }).length, MAX_BARS + 1);
  });

  test('gives zero-width bars when every probability is zero', () => {
    assert.deepEqual(chartRows({ target: 'x', isMaskToken: false, candidates: [{ word: 'y', score: 0 }] }).map((r) => r.width), [0]);
  });
});

describe('heatLevel', () => {
  test('is 0 for a certain word and 1 from 1 in 10 000 down', () => {
    assert.equal(heatLevel(1), 0);
    assert.equal(heatLevel(1e-4), 1);
    assert.equal(heatLevel(1e-9), 1);
    assert.equal(heatLevel(0), 1);
    assert.equal(heatLevel(Number.NaN), 1);
    assert.equal(heatLevel(0.01), 0.5);
  });

  test('rises as the log-probability falls, never the other way', () => {
    let previous = -1;
    let previousStep = -1;
    for (let logP = 0; logP >= -12; logP -= 0.05) {
      const level = heatLevel(Math.exp(logP));
      const step = heatStep(Math.exp(logP));
      assert.ok(level >= previous && level >= 0 && level <= 1, `level ${level} at log p ${logP}`);
      assert.ok(step >= previousStep && step >= 0 && step <= HEAT_STEPS, `step ${step} at log p ${logP}`);
      previous = level;
      previousStep = step;
    }
    assert.equal(previousStep, HEAT_STEPS);
  });
});
