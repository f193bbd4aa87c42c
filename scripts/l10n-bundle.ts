// The English message bundle, l10n/bundle.l10n.json, from the source: every
// `vscode.l10n.t('message', ...)` (or `localize('message', ...)`, its name in
// code without the vscode module) in src/ gives one entry, the message as its
// own key and value. Translators copy it to bundle.l10n.<locale>.json and
// translate the values; VS Code picks the file matching its display language
// (package.json "l10n"). test/unit/l10n.test.ts fails when the bundle is stale.
//
//   npm run l10n
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..');
export const BUNDLE = path.join(repoRoot, 'l10n', 'bundle.l10n.json');

/** A translation call whose message is not a plain string literal: it cannot be translated. */
export interface DynamicMessage {
  file: string;
  line: number;
}

/** The messages of every translation call under `src/`, sorted, and the calls that pass no literal. */
export function collectMessages(root = repoRoot): { messages: string[]; dynamic: DynamicMessage[] } {
  const messages = new Set<string>();
  const dynamic: DynamicMessage[] = [];
  const files = fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const relative of files) {
    const file = path.join(root, 'src', relative);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isTranslation(node.expression)) {
        const first = node.arguments[0];
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) messages.add(first.text);
        else dynamic.push({ file: path.relative(root, file), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { messages: [...messages].sort(), dynamic };
}

/**
 * `vscode.l10n.t(…)`, or `localize(…)`: how code without the `vscode` module
 * (the Explain Suggestions page) receives `vscode.l10n.t`.
 */
function isTranslation(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'localize';
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 't' && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'l10n';
}

/** The bundle's text for `messages`. */
export function bundleText(messages: string[]): string {
  return `${JSON.stringify(Object.fromEntries(messages.map((m) => [m, m])), null, 2)}\n`;
}

function main(): void {
  const { messages, dynamic } = collectMessages();
  if (dynamic.length > 0) {
    throw new Error(`l10n.t needs a string literal as its message: ${dynamic.map((d) => `${d.file}:${d.line}`).join(', ')}`);
  }
  fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
  fs.writeFileSync(BUNDLE, bundleText(messages));
  console.log(`${path.relative(process.cwd(), BUNDLE)}: ${messages.length} messages`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
