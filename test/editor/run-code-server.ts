// Starts a real VS Code (code-server 4.100.3, installed by test/editor/setup.sh
// into .e2e/) in a throw-away folder, and drives it with Debian's Chromium
// through playwright-core. Used by the in-editor suite runner (run-suite.ts)
// and the browser E2E tests (test/e2e); also a CLI for poking at it by hand:
//
//   npx tsx test/editor/run-code-server.ts [--fixture DIR] [--extension DIR]
//       [--vsix FILE] [--port N] [--tests FILE] [--setting KEY=JSON]... [--browser]
//
// Builds nothing: the caller builds the extension (and any test bundle) first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, promisify } from 'node:util';

/** The repository root. */
export const repoRoot = path.resolve(__dirname, '../..');
/** Where setup.sh installs code-server and playwright-core, and where runs go. */
export const e2eDir = process.env.CLOZE_E2E_DIR ?? path.join(repoRoot, '.e2e');
const codeServerEntry = path.join(e2eDir, 'node_modules/code-server/out/node/entry.js');

/** Settings every run starts from; a caller's settings override them. */
export const defaultSettings: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  // Run folders live inside this repository: don't offer to open it.
  'git.openRepositoryInParentFolders': 'never',
};

export interface CodeServerOptions {
  /** A folder copied into the run's workspace. Default: an empty workspace. */
  fixture?: string;
  /** User settings, merged over {@link defaultSettings}. */
  settings?: Record<string, unknown>;
  /**
   * Extra environment for code-server, or a function of the run folder that
   * returns it. Its extension host inherits it, so this is how a test suite
   * learns, for example, where to write its report.
   */
  env?: Record<string, string> | ((runDir: string) => Record<string, string>);
  /**
   * Extension folders to install by linking them into the extensions dir as
   * `<publisher>.<name>-<version>` (as a user's installed extension, not a
   * development one).
   */
  extensions?: string[];
  /**
   * VSIX files to install with `code-server --install-extension` into the
   * run's extensions dir before it starts, as a user installs a release.
   */
  vsix?: string[];
  /** The port to listen on (127.0.0.1). Default: a free one. */
  port?: number;
  /** Print progress and code-server's own failures. Default: true. */
  verbose?: boolean;
  /** How long to wait for code-server to answer HTTP, in ms. Default: 60 000. */
  startTimeoutMs?: number;
  /** Old run folders to keep under .e2e/runs (this one included). Default: 5. */
  keepRuns?: number;
}

export interface CodeServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  port: number;
  /** The workspace folder (absolute). */
  workspace: string;
  /** This run's folder under .e2e/runs. */
  runDir: string;
  /** code-server's stdout and stderr. */
  logFile: string;
  /** The URL that opens the workspace. */
  workspaceUrl(): string;
  /**
   * The URL that opens the workspace with an extension under development and
   * runs its extension test suite in the extension host (what
   * `--extensionDevelopmentPath` and `--extensionTestsPath` do on the desktop).
   */
  extensionTestsUrl(extensionDevelopmentPath: string, extensionTestsPath: string): string;
  /** Whether the server process is still running. */
  running(): boolean;
  /** The last lines of code-server's log. */
  logTail(lines?: number): string;
  /** Stops code-server and everything it started (its process group). Idempotent. */
  stop(): Promise<void>;
}

/** The folders of a run: code-server's user data and extensions, HOME, the workspace. */
export function runFolders(runDir: string): { userData: string; extensions: string; home: string; workspace: string } {
  return {
    userData: path.join(runDir, 'user-data'),
    extensions: path.join(runDir, 'extensions'),
    home: path.join(runDir, 'home'),
    workspace: path.join(runDir, 'workspace'),
  };
}

/** Starts code-server in a fresh run folder and waits until it answers HTTP. */
export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  if (!fs.existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed at ${codeServerEntry}: run \`npm run setup:editor\` first`);
  }
  const verbose = opts.verbose ?? true;
  const runDir = makeRunDir(opts.keepRuns ?? 5);
  const dirs = runFolders(runDir);
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  if (opts.fixture) fs.cpSync(opts.fixture, dirs.workspace, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...opts.settings }, null, 2),
  );
  for (const ext of opts.extensions ?? []) linkExtension(ext, dirs.extensions);
  for (const file of opts.vsix ?? []) await installVsix(file, dirs, verbose);

  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(runDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      codeServerEntry,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      dirs.workspace,
    ],
    {
      cwd: runDir,
      // Its own process group, so stop() reaches the file watcher and the
      // extension host too: they outlive code-server's main process otherwise.
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        ...homeEnv(dirs.home),
        ORT_DISABLE_TELEMETRY: '1',
        ...(typeof opts.env === 'function' ? opts.env(runDir) : opts.env),
      },
    },
  );
  fs.closeSync(log);
  const group = track(child);
  if (verbose) console.log(`[code-server] ${url} (run folder ${path.relative(process.cwd(), runDir)})`);

  const logTail = (lines = 40): string => tail(logFile, lines);
  const stop = async (): Promise<void> => {
    await group.stop();
  };
  try {
    await waitForHttp(`${url}/healthz`, opts.startTimeoutMs ?? 60_000, () => child.exitCode !== null || child.signalCode !== null);
  } catch (error) {
    await stop();
    throw new Error(`code-server did not start: ${(error as Error).message}\n${logTail()}`, { cause: error });
  }

  const folderQuery = `folder=${encodeURIComponent(dirs.workspace)}`;
  return {
    url,
    port,
    workspace: dirs.workspace,
    runDir,
    logFile,
    workspaceUrl: () => `${url}/?${folderQuery}`,
    extensionTestsUrl(extensionDevelopmentPath, extensionTestsPath) {
      const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
      const payload = JSON.stringify([
        ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
        ['extensionTestsPath', remote(extensionTestsPath)],
      ]);
      return `${url}/?${folderQuery}&payload=${encodeURIComponent(payload)}`;
    },
    running: () => child.exitCode === null && child.signalCode === null,
    logTail,
    stop,
  };
}

// --- the browser ---------------------------------------------------------------

/**
 * The part of playwright-core's `Page` these tests use. playwright-core lives in
 * .e2e/ (installed by setup.sh, not a project dependency), so its own types are
 * not visible to `tsc`; add members here as tests need them.
 */
export interface Page {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'commit' }): Promise<unknown>;
  waitForSelector(selector: string, options?: { timeout?: number; state?: 'attached' | 'detached' | 'visible' | 'hidden' }): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number; polling?: number }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  locator(selector: string): Locator;
  frameLocator(selector: string): FrameLocator;
  evaluate<T>(fn: string | (() => T)): Promise<T>;
  screenshot(options?: { path?: string; fullPage?: boolean }): Promise<Buffer>;
  title(): Promise<string>;
  keyboard: {
    press(key: string, options?: { delay?: number }): Promise<void>;
    type(text: string, options?: { delay?: number }): Promise<void>;
    insertText(text: string): Promise<void>;
  };
  on(event: 'console', listener: (message: { type(): string; text(): string }) => void): unknown;
  on(event: 'pageerror', listener: (error: Error) => void): unknown;
  on(event: 'crash' | 'close', listener: () => void): unknown;
}

export interface Locator {
  first(): Locator;
  nth(index: number): Locator;
  count(): Promise<number>;
  waitFor(options?: { timeout?: number; state?: 'attached' | 'detached' | 'visible' | 'hidden' }): Promise<void>;
  click(options?: { timeout?: number }): Promise<void>;
  fill(text: string, options?: { timeout?: number }): Promise<void>;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  isVisible(): Promise<boolean>;
  hover(options?: { timeout?: number; force?: boolean }): Promise<void>;
  locator(selector: string): Locator;
  filter(options: { hasText?: string | RegExp }): Locator;
}

/** Elements inside an iframe (a webview's content, say). */
export interface FrameLocator {
  first(): FrameLocator;
  locator(selector: string): Locator;
  frameLocator(selector: string): FrameLocator;
}

export interface Browser {
  page: Page;
  /** The page's console messages (and uncaught errors), newest last. */
  console: string[];
  /** Closes the browser. Idempotent. */
  close(): Promise<void>;
}

interface PersistentContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface PlaywrightCore {
  chromium: {
    launchPersistentContext(userDataDir: string, options: Record<string, unknown>): Promise<PersistentContext>;
  };
}

export interface BrowserOptions {
  /** Where Chromium keeps its profile. Default: a temporary folder, removed on close. */
  profileDir?: string;
  /** Viewport size. Default: 1280 x 800. */
  viewport?: { width: number; height: number };
  /** Milliseconds to wait for the page's `load`. Default: 60 000. */
  timeoutMs?: number;
}

/**
 * Launches Debian's Chromium (headless, fresh profile) and opens `url`.
 * Pass `path.join(server.runDir, 'chromium')` as `profileDir` to keep one run's
 * files together.
 */
export async function openBrowser(url: string, opts: BrowserOptions = {}): Promise<Browser> {
  const { chromium } = loadPlaywright();
  const ownProfile = opts.profileDir === undefined;
  const profileDir = opts.profileDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-chromium-'));
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CLOZE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    env: { ...process.env, ...homeEnv(path.join(profileDir, 'home')) },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  closeOnExit.add(context);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    closeOnExit.delete(context);
    await context.close().catch(() => undefined);
    if (ownProfile) fs.rmSync(profileDir, { recursive: true, force: true });
  };
  const consoleLines: string[] = [];
  const remember = (line: string): void => {
    consoleLines.push(line);
    if (consoleLines.length > 500) consoleLines.shift();
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => remember(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => remember(`[pageerror] ${e.message}`));
    await page.goto(url, { timeout: opts.timeoutMs ?? 60_000, waitUntil: 'load' });
    return { page, console: consoleLines, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function loadPlaywright(): PlaywrightCore {
  const requireFromE2e = createRequire(path.join(e2eDir, 'package.json'));
  try {
    return requireFromE2e('playwright-core') as PlaywrightCore;
  } catch (error) {
    throw new Error(`playwright-core is not installed in ${e2eDir}: run \`npm run setup:editor\` first`, { cause: error });
  }
}

// --- processes -----------------------------------------------------------------

const groups = new Set<ProcessGroup>();
const closeOnExit = new Set<PersistentContext>();

interface ProcessGroup {
  pid: number;
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function track(child: ChildProcess): ProcessGroup {
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start code-server');
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
  let stopping: Promise<void> | undefined;
  const group: ProcessGroup = {
    pid,
    kill(signal) {
      try {
        process.kill(-pid, signal);
      } catch {
        // ESRCH: the whole group is gone already.
      }
    },
    stop() {
      stopping ??= (async () => {
        group.kill('SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5000, 'timeout').unref());
        await Promise.race([exited, timer]);
        // The parent may be gone while its children linger: make sure.
        group.kill('SIGKILL');
        groups.delete(group);
      })();
      return stopping;
    },
  };
  groups.add(group);
  installExitHandlers();
  return group;
}

let exitHandlersInstalled = false;
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL whatever is left.
  process.on('exit', () => {
    for (const group of groups) group.kill('SIGKILL');
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      void stopEverything().finally(() => process.exit(code));
    });
  }
}

/**
 * Runs a runner's `main` as the process's body: its number is the exit code;
 * an error it throws is printed, and every code-server and browser it started
 * is stopped.
 */
export function runMain(main: () => Promise<number | void>): void {
  main()
    .then((code) => {
      if (typeof code === 'number') process.exitCode = code;
    })
    .catch(async (error: unknown) => {
      console.error(error);
      await stopEverything();
      process.exitCode = 1;
    });
}

/** The output channel logs of Cloze in a run folder (one per extension host start). */
function clozeLogs(runDir: string): string[] {
  const logs = path.join(runFolders(runDir).userData, 'logs');
  try {
    return (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'Cloze.log').map((f) => path.join(logs, f));
  } catch {
    return [];
  }
}

/** The extension's bundle, or a message saying how to build it. */
export function missingBuild(): string | undefined {
  return fs.existsSync(path.join(repoRoot, 'dist/extension.js')) ? undefined : 'dist/extension.js is missing: run `npm run build` first';
}

/** Prints the last lines of the code-server log, Cloze's own log and the browser console, after a failure. */
export function printLogs(server: CodeServer | undefined, browser: Browser | undefined, lines = 30): void {
  if (server) {
    console.error(`\n--- code-server log (last lines) ---\n${server.logTail(lines)}`);
    for (const log of clozeLogs(server.runDir)) console.error(`\n--- ${path.relative(server.runDir, log)} (last lines) ---\n${tail(log, lines)}`);
  }
  if (browser) console.error(`\n--- browser console (last lines) ---\n${browser.console.slice(-lines).join('\n')}`);
}

/** Closes every browser and stops every code-server this process started. */
export async function stopEverything(): Promise<void> {
  await Promise.all([...closeOnExit].map((c) => c.close().catch(() => undefined)));
  closeOnExit.clear();
  await Promise.all([...groups].map((g) => g.stop()));
}

// --- helpers -------------------------------------------------------------------

/** HOME and the XDG data folders, pointed under `home` so nothing writes into ~. */
function homeEnv(home: string): Record<string, string> {
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  };
  // XDG_RUNTIME_DIR stays: VS Code puts IPC sockets there, and a path under the
  // run folder is longer than a socket path may be (107 bytes).
  for (const dir of Object.values(env)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return env;
}

function makeRunDir(keep: number): string {
  const runs = path.join(e2eDir, 'runs');
  fs.mkdirSync(runs, { recursive: true });
  const old = fs.readdirSync(runs).sort();
  for (const name of old.slice(0, Math.max(0, old.length - (keep - 1)))) {
    fs.rmSync(path.join(runs, name), { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(runs, `${stamp}-${process.pid}`);
  fs.mkdirSync(dir);
  return dir;
}

function linkExtension(folder: string, extensionsDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
    publisher?: string;
    name?: string;
    version?: string;
  };
  if (!manifest.publisher || !manifest.name || !manifest.version) {
    throw new TypeError(`Expected ${folder}/package.json to have publisher, name and version`);
  }
  const id = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
  fs.symlinkSync(path.resolve(folder), path.join(extensionsDir, id), 'dir');
}

async function installVsix(file: string, dirs: ReturnType<typeof runFolders>, verbose: boolean): Promise<void> {
  if (!fs.existsSync(file)) throw new Error(`No VSIX at ${file}: run \`npm run package\` first`);
  const started = Date.now();
  const args = [
    codeServerEntry,
    '--install-extension', path.resolve(file),
    '--extensions-dir', dirs.extensions,
    '--user-data-dir', dirs.userData,
  ];
  const env = { ...process.env, ...homeEnv(dirs.home), ORT_DISABLE_TELEMETRY: '1' };
  let output: string;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { env, timeout: 120_000 });
    output = `${stdout}${stderr}`;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`code-server --install-extension ${file} failed:\n${stdout}${stderr}`, { cause: error });
  }
  // It exits 0 on some failures too: trust its message.
  if (!/successfully installed/i.test(output)) throw new Error(`code-server --install-extension ${file}:\n${output}`);
  if (verbose) console.log(`[code-server] installed ${path.basename(file)} (${Date.now() - started} ms)`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitForHttp(url: string, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error('the process exited');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = new Error(`HTTP ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms (${String(last)})`);
}

/** The last `lines` lines of a text file ('' if it does not exist). */
export function tail(file: string, lines: number): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// --- CLI -----------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fixture: { type: 'string' },
      extension: { type: 'string', multiple: true },
      vsix: { type: 'string', multiple: true },
      port: { type: 'string' },
      'development-path': { type: 'string' },
      tests: { type: 'string' },
      setting: { type: 'string', multiple: true },
      browser: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`Usage: npx tsx test/editor/run-code-server.ts [options]
Starts code-server on 127.0.0.1 in a fresh .e2e/runs/ folder and keeps it running until Ctrl+C.
  --fixture DIR           copy DIR into the workspace
  --extension DIR         install the extension in DIR by linking it (repeatable)
  --vsix FILE             install this VSIX (repeatable)
  --port N                listen on this port (default: a free one)
  --tests FILE            run this extension test bundle (opens the browser), with
  --development-path DIR  the extension under development (default: the repository)
  --setting KEY=JSON      a user setting (repeatable), e.g. --setting editor.fontSize=16
  --browser               open the workspace in headless Chromium and print its console`);
    return;
  }
  const settings: Record<string, unknown> = {};
  for (const pair of values.setting ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new TypeError(`Expected --setting KEY=JSON, got \`${pair}\``);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A bare word is a string setting.
    }
    settings[pair.slice(0, eq)] = value;
  }
  const server = await startCodeServer({
    settings,
    ...(values.fixture ? { fixture: values.fixture } : {}),
    ...(values.extension ? { extensions: values.extension } : {}),
    ...(values.vsix ? { vsix: values.vsix } : {}),
    ...(values.port ? { port: Number(values.port) } : {}),
  });
  const url = values.tests
    ? server.extensionTestsUrl(values['development-path'] ?? repoRoot, values.tests)
    : server.workspaceUrl();
  console.log(url);
  if (values.browser || values.tests) {
    const browser = await openBrowser(url, { profileDir: path.join(server.runDir, 'chromium') });
    browser.page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
  }
  console.log('Press Ctrl+C to stop.');
  await new Promise(() => undefined);
}

if (require.main === module) {
  main().catch(async (error: unknown) => {
    console.error(error);
    await stopEverything();
    process.exit(1);
  });
}
