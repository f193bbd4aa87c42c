// `npm run test:e2e`: drives a real VS Code (code-server) in headless Chromium
// as a user would, with Cloze installed. Runs the scenarios of every
// test/e2e/*.e2e.ts in order against one editor, saves a screenshot after each
// into test-results/e2e/, and ends with `N passed, N failed`.
//
//   npm run build && npm run test:e2e [-- --grep TEXT]      this folder, linked
//   npm run package && npm run test:e2e -- --vsix            the release VSIX
//
// By default the repository folder is linked into code-server's extensions
// (quick: `npm run build` is enough). With --vsix it installs
// dist-vsix/cloze-<platform>-<arch>-<version>.vsix (or --vsix-file FILE) with
// `code-server --install-extension`, so the test runs what users install.
// Builds nothing; needs `npm run setup:editor` once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { missingBuild, openBrowser, printLogs, repoRoot, runMain, startCodeServer, type Browser, type CodeServer } from '../editor/run-code-server';
import type { E2EContext, Scenario } from './scenario';
import { screenshot, screenshotDir } from './workbench';

async function loadScenarios(grep: string | undefined): Promise<{ file: string; scenario: Scenario }[]> {
  const found: { file: string; scenario: Scenario }[] = [];
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.e2e.ts')).sort()) {
    // tsx compiles these on import.
    const { scenarios } = (await import(pathToFileURL(path.join(__dirname, file)).href)) as { scenarios?: Scenario[] };
    if (!Array.isArray(scenarios)) throw new TypeError(`Expected ${file} to export \`scenarios\`, an array`);
    for (const scenario of scenarios) {
      if (!grep || `${file} ${scenario.name}`.includes(grep)) found.push({ file, scenario });
    }
  }
  return found;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { grep: { type: 'string' }, vsix: { type: 'boolean' }, 'vsix-file': { type: 'string' }, model: { type: 'string' } },
  });
  // --model DIR: run on that model folder with Cloze's default settings (for
  // timings on a real-sized model); by default the planted tiny model, whose
  // answers are known, with a short inline debounce.
  const model = values.model === undefined ? undefined : path.resolve(values.model);
  const settings = model
    ? { 'cloze.modelPath': model }
    : { 'cloze.modelPath': path.join(repoRoot, 'test/fixtures/models/tiny-planted'), 'cloze.inline.debounceMs': 50 };
  const vsix = values['vsix-file'] ?? (values.vsix ? platformVsix() : undefined);
  if (vsix) {
    if (!fs.existsSync(vsix)) {
      console.error(`${path.relative(process.cwd(), vsix)} is missing: run \`npm run package\` first`);
      return 1;
    }
    console.log(`Installing ${path.relative(process.cwd(), vsix)}`);
  } else {
    const missing = missingBuild();
    if (missing) {
      console.error(missing);
      return 1;
    }
  }
  const all = await loadScenarios(values.grep);
  const scenarios = model ? all : all.filter(({ scenario }) => !scenario.needsModel);
  const skipped = all.length - scenarios.length;
  if (skipped > 0) console.log(`  (${skipped} scenarios on English prose skipped: they run with --model DIR)`);
  // A run on another model keeps the default run's screenshots and timings.
  if (!model) fs.rmSync(screenshotDir, { recursive: true, force: true });

  let passed = 0;
  let failed = 0;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const started = Date.now();
  try {
    server = await startCodeServer({
      fixture: path.join(repoRoot, 'test/fixtures/workspace'),
      ...(vsix ? { vsix: [vsix] } : { extensions: [repoRoot] }),
      settings,
    });
    const pageOpenedAt = Date.now();
    browser = await openBrowser(server.workspaceUrl(), { profileDir: path.join(server.runDir, 'chromium') });
    const ctx: E2EContext = {
      page: browser.page,
      browser,
      server,
      pageOpenedAt,
      timings: new Map([['page opened -> load event', Date.now() - pageOpenedAt]]),
    };
    for (const [i, { file, scenario }] of scenarios.entries()) {
      const title = `${file.replace(/\.e2e\.ts$/, '')}: ${scenario.name}`;
      const shot = `${String(i + 1).padStart(2, '0')}-${title}`;
      const t0 = Date.now();
      try {
        await withTimeout(scenario.run(ctx), scenario.timeoutMs ?? 60_000, title);
        passed++;
        console.log(`  ok   ${title} (${Date.now() - t0} ms)`);
        await screenshot(ctx.page, shot);
      } catch (error) {
        failed++;
        console.log(`  FAIL ${title} (${Date.now() - t0} ms)`);
        console.log(`         ${String((error as Error).stack ?? error).split('\n').slice(0, 6).join('\n         ')}`);
        const file = await screenshot(ctx.page, `${shot}-FAILED`).catch(() => undefined);
        if (file) console.log(`         screenshot: ${path.relative(process.cwd(), file)}`);
      }
    }
    console.log('');
    for (const [name, ms] of ctx.timings) console.log(`  ${name}: ${ms} ms`);
    writeTimings(ctx.timings, vsix !== undefined, model);
    console.log(`  total: ${Date.now() - started} ms`);
    if (failed > 0) printLogs(server, browser);
  } catch (error) {
    failed++;
    console.error(`\n${(error as Error).message}`);
    printLogs(server, browser);
  } finally {
    await browser?.close();
    await server?.stop();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

/** Where the last run's timings go; `npm run bench` prints them beside its own figures. */
const TIMINGS_FILE = path.join(repoRoot, 'test-results/e2e/timings.json');

/** The timings of a run: test-results/e2e/timings.json for the tiny model, timings-<model>.json for another. */
function writeTimings(timings: Map<string, number>, fromVsix: boolean, model: string | undefined): void {
  const record = {
    date: new Date().toISOString(),
    model: model ? path.basename(model) : 'tiny-planted',
    inlineDebounceMs: model ? 150 : 50,
    settings: model ? 'defaults' : 'cloze.inline.debounceMs 50',
    machine: `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    extension: fromVsix ? 'vsix' : 'source',
    timingsMs: Object.fromEntries(timings),
  };
  const file = model ? path.join(path.dirname(TIMINGS_FILE), `timings-${path.basename(model)}.json`) : TIMINGS_FILE;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** dist-vsix/<name>-<platform>-<arch>-<version>.vsix, what `npm run package` writes for this machine. */
function platformVsix(): string {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(repoRoot, 'dist-vsix', `${name}-${process.platform}-${process.arch}-${version}.vsix`);
}

if (require.main === module) runMain(main);
