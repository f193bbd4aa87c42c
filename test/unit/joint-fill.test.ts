import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { masksOf, useTinyModel } from '../helpers/tiny-model';


describe('joint fill on the planted model', () => {
  const tiny = useTinyModel();

  test('fills the most confident mask first and ranks the next one with it in place', async () => {
    const text = 'red sweet [MASK] [MASK] .';
    const masks = masksOf(text);
    const independent = await tiny.fillMask.fill({ text, masks, topK: 3 });
    const joint = await tiny.fillMask.fill({ text, masks, topK: 3, joint: true });
    assert.deepEqual(joint.map((r) => r.joint?.step).sort(), [0, 1]);
    const first = joint.find((r) => r.joint?.step === 0);
    const second = joint.find((r) => r.joint?.step === 1);
    assert.ok(first?.joint && second?.joint);
    // Step 0 is the independent pass: the mask chosen is the one whose best score is highest.
    const firstIndex = joint.indexOf(first);
    assert.deepEqual(first.suggestions.map((s) => s.token), independent[firstIndex].suggestions.map((s) => s.token));
    assert.ok(independent.every((r) => r.suggestions[0].score <= first.suggestions[0].score));
    assert.equal(first.joint.chosen.token_str, 'straw');
    // Step 1 equals a one-mask fill of the text with step 0's word written in.
    const filledText = text.slice(0, first.span.start) + first.joint.chosen.token_str + text.slice(first.span.end);
    const [alone] = await tiny.fillMask.fill({ text: filledText, masks: masksOf(filledText), topK: 3 });
    assert.deepEqual(second.suggestions.map((s) => s.token_str), alone.suggestions.map((s) => s.token_str));
    assert.deepEqual(second.suggestions.map((s) => s.score), alone.suggestions.map((s) => s.score));
    // ...which is not what the independent pass gave that mask.
    assert.notEqual(second.suggestions[0].score, independent[joint.indexOf(second)].suggestions[0].score);
    for (const r of joint) {
      assert.equal(r.joint?.chosen, r.suggestions[0]);
      assert.equal(r.joint?.sequence, `red sweet ${joint.map((x) => x.joint?.chosen.token_str).join(' ')}.`.replace(' ##', ''));
    }
  });

  test('a single mask gives the independent result plus its step', async () => {
    const text = 'the cat drinks [MASK] .';
    const [plain] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 2 });
    const [joint] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 2, joint: true });
    assert.deepEqual(joint.suggestions, plain.suggestions);
    assert.deepEqual({ step: joint.joint?.step, sequence: joint.joint?.sequence }, { step: 0, sequence: 'the cat drinks milk.' });
  });

  test('rejects joint together with whole words', async () => {
    const text = 'red sweet [MASK] [MASK] .';
    await assert.rejects(tiny.fillMask.fill({ text, masks: masksOf(text), joint: true, wholeWords: true }), /`joint` or `wholeWords`, got both/);
  });
});
