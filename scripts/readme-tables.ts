// The README's Commands and Settings tables, generated from package.json and
// package.nls.json so they cannot drift. `npm run readme:tables` rewrites the
// part of README.md between the marker comments; test/unit/readme.test.ts
// fails when the README is out of date.
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

interface Command {
  command: string;
  title: string;
  category?: string;
  enablement?: string;
}
interface Keybinding {
  command: string;
  key: string;
  mac?: string;
}
interface Setting {
  type?: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  markdownDescription?: string;
  description?: string;
  /** Where the Settings editor puts it; the table follows the same order. */
  order?: number;
}
export interface Manifest {
  contributes: {
    commands: Command[];
    keybindings?: Keybinding[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
    configuration: { properties: Record<string, Setting> };
  };
}

/** package.json and package.nls.json of the repository. */
export function readManifest(root = repoRoot): { manifest: Manifest; nls: Record<string, string> } {
  return {
    manifest: JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest,
    nls: JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>,
  };
}

/** Resolves a `%key%` manifest string through package.nls.json. */
function localize(value: string, nls: Record<string, string>): string {
  const match = /^%([^%]+)%$/.exec(value);
  if (!match) return value;
  const text = nls[match[1]!];
  if (text === undefined) throw new RangeError(`package.nls.json has no \`${match[1]}\``);
  return text;
}

/** A table cell: one line, pipes escaped, `#setting.id#` links as code. */
function cell(text: string): string {
  return text
    .replace(/`?#(cloze\.[\w.]+)#`?/g, '`$1`')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

/** `ctrl+alt+m` -> `Ctrl+Alt+M`. */
function keys(binding: string): string {
  return binding
    .split(' ')
    .map((chord) =>
      chord
        .split('+')
        .map((k) => (k.length === 1 ? k.toUpperCase() : k[0]!.toUpperCase() + k.slice(1)))
        .join('+'),
    )
    .join(' ');
}

/** The commands a user can run (not those hidden from the palette), with their default keys. */
export function commandsTable(manifest: Manifest, nls: Record<string, string>): string {
  const hidden = new Set(
    (manifest.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command),
  );
  const rows = manifest.contributes.commands
    .filter((c) => !hidden.has(c.command) && c.enablement !== 'false')
    .map((c) => {
      const title = [c.category, localize(c.title, nls)].filter(Boolean).join(': ');
      const bindings = (manifest.contributes.keybindings ?? []).filter((k) => k.command === c.command);
      const shortcut = bindings
        .map((k) => `\`${keys(k.key)}\`${k.mac && k.mac !== k.key ? ` (macOS: \`${keys(k.mac)}\`)` : ''}`)
        .join(', ');
      return `| ${cell(title)} | \`${c.command}\` | ${shortcut} |`;
    });
  return ['| Command | ID | Keys |', '| --- | --- | --- |', ...rows].join('\n');
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.map((v) => `\`${String(v)}\``).join(', ') : '`[]`';
  if (value === '') return '(empty)';
  if (value === null) return '(not set)';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** Every contributed setting with its default, range and description, in the Settings editor's order. */
export function settingsTable(manifest: Manifest, nls: Record<string, string>): string {
  const entries = Object.entries(manifest.contributes.configuration.properties);
  const ordered = entries.sort(([, a], [, b]) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER));
  const rows = ordered.map(([key, s]) => {
    let description = localize(s.markdownDescription ?? s.description ?? '', nls);
    const range = `${s.minimum} to ${s.maximum}`;
    if (s.minimum !== undefined && s.maximum !== undefined && !description.includes(range)) description += ` From ${range}.`;
    if (s.enum) description += ` One of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}.`;
    return `| \`${key}\` | ${cell(formatDefault(s.default))} | ${cell(description)} |`;
  });
  return ['| Setting | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}

const marker = (name: string, end: boolean): string =>
  end ? `<!-- end ${name} -->` : `<!-- ${name}: generated from package.json by \`npm run readme:tables\`; do not edit by hand -->`;

/** `readme` with the text between each pair of markers replaced by the generated table. */
export function updateReadme(readme: string, manifest: Manifest, nls: Record<string, string>): string {
  const tables: Record<string, string> = {
    commands: commandsTable(manifest, nls),
    settings: settingsTable(manifest, nls),
  };
  let text = readme;
  for (const [name, table] of Object.entries(tables)) {
    const begin = text.indexOf(marker(name, false));
    const end = text.indexOf(marker(name, true));
    if (begin < 0 || end < begin) {
      throw new Error(`README.md needs the markers\n${marker(name, false)}\n${marker(name, true)}\naround the ${name} table`);
    }
    text = `${text.slice(0, begin + marker(name, false).length)}\n\n${table}\n\n${text.slice(end)}`;
  }
  return text;
}

if (require.main === module) {
  const file = path.join(repoRoot, 'README.md');
  const { manifest, nls } = readManifest();
  const before = fs.readFileSync(file, 'utf8');
  const after = updateReadme(before, manifest, nls);
  if (after !== before) fs.writeFileSync(file, after);
  console.log(after === before ? 'README.md tables are up to date' : 'README.md tables rewritten');
}
