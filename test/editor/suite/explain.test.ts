import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExplainModel, HeatMap } from '../../../src/editor/explain-html';
import { heatLevel } from '../../../src/editor/explain-html';
import { openDocument, restoreSetting, setCursor, updateSetting, useTinyModelSuite, waitFor } from './helpers';

const TITLE = 'Cloze: Explain Suggestions';

function explain(): Thenable<ExplainModel> {
  return vscode.commands.executeCommand<ExplainModel>('cloze.explainSuggestions');
}

/** The open tabs that show the panel. */
function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label === TITLE);
}

function heatOf(model: ExplainModel): HeatMap {
  assert.equal(model.heatMap.kind, 'ready', JSON.stringify(model.heatMap));
  return (model.heatMap as { data: HeatMap }).data;
}

suite('Cloze Explain Suggestions', function () {
  this.timeout(60_000);
  useTinyModelSuite();

  test('Explain opens a panel beside the editor: "their" tops the chart for "there", which the heat map marks unlikely', async () => {
    const editor = await openDocument('we love th|ere house .');
    const model = await explain();
    // The workbench reports the new tab a moment after the panel is created.
    await waitFor(() => panelTabs().length === 1, { message: 'one panel tab' });
    assert.notEqual(panelTabs()[0]?.group.viewColumn, editor.viewColumn, 'the panel is beside the editor');
    assert.equal(vscode.window.activeTextEditor, editor, 'the editor keeps the focus');
    assert.equal(model.notice, undefined);

    assert.equal(model.chart.kind, 'ready', JSON.stringify(model.chart));
    const chart = model.chart.kind === 'ready' ? model.chart.data : undefined;
    assert.equal(chart?.target, 'there');
    assert.equal(chart?.candidates[0]?.word, 'their');
    assert.ok(chart.candidates.length > 1 && chart.candidates.length <= 10, `${chart.candidates.length} candidates`);
    assert.ok(chart.original && chart.original.score < 0.01, `there itself: ${chart.original?.score}`);

    const heat = heatOf(model);
    assert.equal(heat.text, 'we love there house .');
    const scored = heat.words.filter((w) => w.score !== undefined);
    const there = scored.find((w) => heat.text.slice(w.start, w.end) === 'there');
    assert.ok(there?.score !== undefined, 'there is scored');
    assert.equal(there.slipFor, 'their');
    assert.equal(there.alternatives[0]?.word, 'their');
    // The tiny model knows little beyond its planted sentences, so every word here is unexpected
    // to it; `there` is the least expected, at the top of the scale, and the one marked a slip.
    assert.equal(heatLevel(there.score), 1);
    for (const w of scored.filter((w) => w !== there)) {
      assert.ok((w.score as number) > there.score, `${heat.text.slice(w.start, w.end)} is less unexpected than there`);
      assert.equal(w.slipFor, undefined);
    }
    assert.deepEqual(heat.current, { start: 8, end: 13 });
  });

  test('Explain follows the cursor and the text, and running it again reveals the same panel', async () => {
    const editor = await openDocument('the cat drinks [MASK]| .\n\nthe sky is blue .');
    let model = await explain();
    assert.equal(model.chart.kind === 'ready' && model.chart.data.candidates[0]?.word, 'milk');
    assert.equal(heatOf(model).text, 'the cat drinks [MASK] .');

    // The cursor moves to the other paragraph: the panel follows without being asked.
    const blue = editor.document.getText().indexOf('blue');
    await setCursor(editor, blue + 1);
    model = await waitFor(async () => {
      const now = await explain();
      return now.heatMap.kind === 'ready' && now.heatMap.data.text === 'the sky is blue .' ? now : undefined;
    }, { message: 'the panel to follow the cursor', timeoutMs: 20_000 });
    assert.equal(model.chart.kind === 'ready' && model.chart.data.target, 'blue');
    assert.equal(panelTabs().length, 1, 'still one panel');

    // An edit: the word under the cursor changes.
    await editor.edit((edit) => edit.replace(new vscode.Range(editor.document.positionAt(blue), editor.document.positionAt(blue + 4)), 'dark'));
    await setCursor(editor, blue + 1);
    model = await waitFor(async () => {
      const now = await explain();
      return now.chart.kind === 'ready' && now.chart.data.target === 'dark' ? now : undefined;
    }, { message: 'the panel to follow the edit', timeoutMs: 20_000 });
    assert.equal(heatOf(model).text, 'the sky is dark .');
  });

  test('Explain says what to do where there is nothing to explain, and when Cloze is off', async () => {
    await openDocument('we love their house .\n\n|');
    const model = await explain();
    assert.equal(model.chart.kind, 'message');
    assert.match(model.chart.kind === 'message' ? model.chart.text : '', /Put the cursor on a word or a \[MASK\]/);
    assert.match(model.heatMap.kind === 'message' ? model.heatMap.text : '', /Put the cursor in a paragraph/);

    const enable = await updateSetting('cloze.enable', false);
    try {
      const off = await waitFor(async () => {
        const now = await explain();
        return now.notice?.includes('turned off') ? now : undefined;
      }, { message: 'the panel to say Cloze is off' });
      assert.match(off.notice ?? '', /cloze\.enable/);
    } finally {
      await restoreSetting('cloze.enable', enable);
    }
  });

  test('Explain on a single line of 1 MB: the heat map shows a slice around the cursor', async () => {
    const half = 'we love their house . '.repeat(24_000);
    const editor = await openDocument(`${half}we love th|ere house . ${half}`);
    const model = await explain();
    assert.equal(model.chart.kind === 'ready' && model.chart.data.candidates[0]?.word, 'their');
    const heat = heatOf(model);
    assert.ok(heat.text.length <= 2000 && heat.text.length > 1000, `${heat.text.length} characters`);
    assert.ok(heat.words.length <= 200 && heat.words.length > 100, `${heat.words.length} words`);
    assert.ok(heat.current, 'the cursor is in the slice');
    assert.equal(heat.text.slice(heat.current.start, heat.current.end), 'there');
    assert.equal(editor.document.getText().length, 2 * half.length + 'we love there house . '.length);
  });

  test('Explain shows document text with markup as it is', async () => {
    await openDocument('we love <script>alert(1)</script> & th|ere house .');
    const model = await explain();
    assert.equal(heatOf(model).text, 'we love <script>alert(1)</script> & there house .');
    await waitFor(() => panelTabs().length === 1, { message: 'one panel tab' });
  });
});
