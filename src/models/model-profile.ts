/**
 * What Cloze knows about a model folder beyond the model itself, from the
 * folder's `cloze.json`: thresholds measured on real prose with `npm run eval`
 * (models/cloze-mini-en has one). Optional; Hub exports have none.
 *
 *   { "hints": { "minRatio": 50, "minScore": 0.01 } }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HINT_THRESHOLD_BOUNDS, type ModelHintThresholds } from '../text/unlikely-word';

/** The profile's file name in a model folder. */
export const MODEL_PROFILE_FILE = 'cloze.json';

export interface ModelProfile {
  /** The unlikely-word thresholds the model recommends (each optional). */
  hints?: ModelHintThresholds;
}

/**
 * Reads `dir`'s profile. No file: an empty profile. A file that is not JSON,
 * or a threshold out of range, is left out and `problem` says why (for the
 * log): a bad profile never keeps the model from working.
 */
export function readModelProfile(dir: string): { profile: ModelProfile; problem?: string } {
  const file = path.join(dir, MODEL_PROFILE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profile: {} };
    return { profile: {}, problem: `Ignoring ${file}: ${(error as Error).message}` };
  }
  const hints = (raw as { hints?: Record<string, unknown> } | null)?.hints;
  if (hints === undefined) return { profile: {} };
  const profile: ModelProfile = { hints: {} };
  const problems: string[] = [];
  const take = (key: keyof ModelHintThresholds) => {
    const [min, max] = HINT_THRESHOLD_BOUNDS[key];
    const value = hints?.[key];
    if (value === undefined) return;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) profile.hints![key] = value;
    else problems.push(`hints.${key} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  };
  take('minRatio');
  take('minScore');
  return problems.length > 0 ? { profile, problem: `Ignoring part of ${file}: ${problems.join('; ')}` } : { profile };
}
