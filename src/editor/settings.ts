/**
 * The one typed reader of Cloze's settings. Every value is checked and
 * clamped here, so the rest of the extension never sees a bad one.
 */

import { type Alternatives, DEFAULT_ALTERNATIVES } from '../engine';
import { DEFAULT_HINT_THRESHOLDS, HINT_THRESHOLD_BOUNDS } from '../text/unlikely-word';

/** The subset of `vscode.WorkspaceConfiguration` the reader needs (a plain stub works in tests). */
export interface ConfigurationLike {
  get<T>(section: string): T | undefined;
}

export interface ClozeSettings {
  /** Master switch. @default true */
  enable: boolean;
  /** Language ids Cloze works in. */
  languages: string[];
  inline: {
    enabled: boolean;
    /** Milliseconds to wait after typing before an automatic suggestion, 0–2000. @default 150 */
    debounceMs: number;
  };
  /**
   * Which words show a hover of alternatives: `masks and hints` (a typed mask,
   * a word the unlikely-word hints marked), `every word`, or `off`. Suggest
   * Word and Alt+\ still ask about any word. Read from the old
   * `cloze.hover.enabled` (false → `off`) when only that is set.
   * @default "masks and hints"
   */
  hover: HoverMode;
  /** Candidates per suggestion, 1–50. @default 5 */
  topK: number;
  /** Candidates below this probability are not shown, 0–1. @default 0 */
  minScore: number;
  /** Model tokens around the mask, 16–512. @default 128 */
  maxContextTokens: number;
  /** Catalogue id or Hub repository of the model. @default "bert-base-uncased" */
  model: string;
  /** A local model folder; overrides `model` and needs no network. @default "" */
  modelPath: string;
  /** Inference threads; 0 picks from the CPU count. @default 0 */
  threads: number;
  /** A Hugging Face Hub mirror; empty means `HF_ENDPOINT` or huggingface.co. @default "" */
  hubEndpoint: string;
  /** One folder for models (in its `hub/`) and Cloze's files; empty means the shared Hugging Face cache. @default "" */
  cacheDir: string;
  /** No network at all (also when `HF_HUB_OFFLINE=1`). @default false */
  offline: boolean;
  /**
   * Documents longer than this many characters (UTF-16 code units, what VS Code
   * counts) get no inline or hover suggestions; Suggest Word still works.
   * 0 to 1e9. @default 2000000
   */
  maxFileSize: number;
  /**
   * Also propose words the vocabulary splits into 2–3 pieces: `words` when
   * replacing a word, `always` for typed masks too, `off` never. @default "words"
   */
  wholeWords: 'off' | 'words' | 'always';
  /**
   * Alternatives to a word (hover, Suggest Word, Alt+\ on a word, Compare
   * Words): `fit` (what fits the gap) or `meaning` (what keeps the word's
   * meaning); see `FillRequest.alternatives`. @default DEFAULT_ALTERNATIVES
   */
  alternatives: Alternatives;
  /** Unlikely-word hints (off by default); see `src/editor/hints.ts`. */
  hints: {
    enabled: boolean;
    /**
     * Flag a word when an alternative is at least this many times as probable, 1–1e6;
     * undefined (not set): the model's own, else 50 (see `hintThresholds`).
     */
    minRatio: number | undefined;
    /** …and the alternative's probability is at least this, 0–1; undefined: the model's own, else 0.3. */
    minScore: number | undefined;
    /** …and it is spelled like the word (their/there, than/then). @default true */
    similarOnly: boolean;
    /** The most of one CPU's time the hints take while you are idle, in percent, 1–100. @default 25 */
    cpuBudget: number;
    /** Words never marked, lowercase. @default [] */
    ignore: string[];
  };
}

/** Keys the reader still reads for their old values, no longer contributed (see `migrateSettings`). */
export const LEGACY_SETTINGS: readonly string[] = ['hover.enabled'];

export const HOVER_MODES = ['masks and hints', 'every word', 'off'] as const;
export type HoverMode = (typeof HOVER_MODES)[number];

export const DEFAULT_LANGUAGES = ['plaintext', 'markdown', 'latex', 'restructuredtext', 'git-commit', 'scminput'];

/**
 * Two million characters: a 100,000-word novel is about 600,000, so prose
 * rarely reaches it, while logs and data dumps above it (where nobody wants a
 * word suggested) cost nothing on each keystroke or hover. Characters, not
 * bytes: VS Code knows a document's length without copying its text, not its
 * encoded size. (VS Code's own large-file mode starts at 20 MB.)
 */
export const DEFAULT_MAX_FILE_SIZE = 2_000_000;

/** Reads the `cloze` section. Wrong types fall back to the default; numbers are clamped to their bounds. */
export function readSettings(config: ConfigurationLike): ClozeSettings {
  return {
    enable: bool(config.get('enable'), true),
    languages: stringList(config.get('languages'), DEFAULT_LANGUAGES),
    inline: {
      enabled: bool(config.get('inline.enabled'), true),
      debounceMs: int(config.get('inline.debounceMs'), 150, 0, 2000),
    },
    hover: hoverMode(config),
    topK: int(config.get('topK'), 5, 1, 50),
    minScore: num(config.get('minScore'), 0, 0, 1),
    maxContextTokens: int(config.get('maxContextTokens'), 128, 16, 512),
    model: str(config.get('model'), 'bert-base-uncased') || 'bert-base-uncased',
    modelPath: str(config.get('modelPath'), '').trim(),
    threads: int(config.get('threads'), 0, 0, 64),
    hubEndpoint: str(config.get('hubEndpoint'), '').trim(),
    cacheDir: str(config.get('cacheDir'), '').trim(),
    offline: bool(config.get('offline'), false),
    maxFileSize: int(config.get('maxFileSize'), DEFAULT_MAX_FILE_SIZE, 0, 1_000_000_000),
    wholeWords: oneOf(config.get('wholeWords'), ['off', 'words', 'always'] as const, 'words'),
    alternatives: oneOf(config.get('alternatives'), ['fit', 'meaning'] as const, DEFAULT_ALTERNATIVES),
    hints: {
      enabled: bool(config.get('hints.enabled'), false),
      minRatio: optionalNum(config.get('hints.minRatio'), ...HINT_THRESHOLD_BOUNDS.minRatio),
      minScore: optionalNum(config.get('hints.minScore'), ...HINT_THRESHOLD_BOUNDS.minScore),
      similarOnly: bool(config.get('hints.similarOnly'), DEFAULT_HINT_THRESHOLDS.similarOnly),
      cpuBudget: int(config.get('hints.cpuBudget'), 25, 1, 100),
      ignore: stringList(config.get('hints.ignore'), []).map((w) => w.trim().toLowerCase()).filter((w) => w.length > 0),
    },
  };
}

/**
 * `cloze.hover`; a value written by an older version as `cloze.hover.enabled`
 * reads as `off` (false) or the default (true). VS Code nests dotted keys, so
 * the old key may also come back as `cloze.hover = { enabled }`.
 */
function hoverMode(config: ConfigurationLike): HoverMode {
  const value = config.get<unknown>('hover');
  if (typeof value === 'string') return oneOf(value, HOVER_MODES, 'masks and hints');
  const old = typeof value === 'object' && value !== null && 'enabled' in value ? (value as { enabled: unknown }).enabled : config.get<unknown>('hover.enabled');
  return old === false ? 'off' : 'masks and hints';
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown, fallback: number, min: number, max: number): number {
  return optionalNum(value, min, max) ?? fallback;
}

/** A number clamped to its bounds, or undefined when not set (null) or not a number. */
function optionalNum(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : undefined;
}

function int(value: unknown, fallback: number, min: number, max: number): number {
  return Math.round(num(value, fallback, min, max));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function stringList(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : fallback;
}

/** Where a setting's value is written: a settings file, and whether as a `[language]` override in it. */
export interface SettingTarget {
  target: 'global' | 'workspace' | 'workspaceFolder';
  overrideInLanguage: boolean;
}

/** The values of one setting at each level, as `WorkspaceConfiguration.inspect` gives them. */
export interface SettingLevels {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/**
 * Where the effective value of a setting lives, so that a toggle changes
 * that one: writing elsewhere would be shadowed by it (a `[markdown]` value
 * in the workspace outranks a user value). VS Code's order, strongest first:
 * a language override beats a plain value at any level, and a folder beats
 * the workspace, which beats the user. Nothing set: the user's settings.
 */
export function whereValueLives(levels: SettingLevels | undefined): SettingTarget {
  const order: [keyof SettingLevels, SettingTarget][] = [
    ['workspaceFolderLanguageValue', { target: 'workspaceFolder', overrideInLanguage: true }],
    ['workspaceLanguageValue', { target: 'workspace', overrideInLanguage: true }],
    ['globalLanguageValue', { target: 'global', overrideInLanguage: true }],
    ['workspaceFolderValue', { target: 'workspaceFolder', overrideInLanguage: false }],
    ['workspaceValue', { target: 'workspace', overrideInLanguage: false }],
  ];
  for (const [level, target] of order) if (levels?.[level] !== undefined) return target;
  return { target: 'global', overrideInLanguage: false };
}
