#!/usr/bin/env bash
# Installs what the in-editor suite (test/editor) and the browser E2E tests
# (test/e2e) need: Debian's Chromium, ripgrep and Kerberos headers from apt,
# then code-server (VS Code 1.100.3 served to a browser) and playwright-core
# into .e2e/, which git ignores. Idempotent: a stamp file records what was
# installed, and a run with nothing to do takes well under a second.
#
# Usage: bash test/editor/setup.sh        (or: npm run setup:editor)
# Env:   CLOZE_E2E_DIR=DIR       install folder (default: <repo>/.e2e)
#        CLOZE_E2E_SKIP_APT=1    never call apt-get; fail if a package is missing
set -euo pipefail

# code-server 4.100.3 is the newest release whose engines.node accepts Node 20.
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
# The ripgrep build that @vscode/ripgrep 1.15.11 (a code-server dependency) downloads.
RIPGREP_CACHE=vscode-ripgrep-cache-1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
# Dependencies of code-server's lib/vscode with install scripts (native builds,
# the rg binary), as `npm install-scripts ls` lists them there; then those of
# lib/vscode/extensions (dev dependencies there, omitted, so they never run,
# but --strict-allow-scripts still asks for a decision).
VSCODE_SCRIPT_DEPS=@parcel/watcher,@vscode/deviceid,@vscode/ripgrep,@vscode/spdlog,@vscode/windows-process-tree,@vscode/windows-registry,kerberos,native-watchdog,node-pty
VSCODE_EXTENSIONS_SCRIPT_DEPS=@parcel/watcher,esbuild

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
e2e=${CLOZE_E2E_DIR:-$root/.e2e}
cs=$e2e/node_modules/code-server
vs=$cs/lib/vscode/node_modules
stamp=$e2e/.setup-stamp
want="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION node@$(node -v)"
start=$SECONDS

log() { printf '[setup:editor] %s\n' "$*"; }
finish() { log "$1 in $((SECONDS - start)) s"; }

# --- apt ---------------------------------------------------------------------
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  if [[ ${CLOZE_E2E_SKIP_APT:-} == 1 ]]; then
    log "missing apt packages: ${missing[*]} (CLOZE_E2E_SKIP_APT=1)" >&2
    exit 1
  fi
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- npm ---------------------------------------------------------------------
if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $cs/out/node/entry.js &&
  -f $vs/node-pty/build/Release/pty.node && -f $e2e/node_modules/playwright-core/package.json ]]; then
  finish "up to date ($want)"
  exit 0
fi

mkdir -p "$e2e"
rm -f "$stamp"
# A package.json of its own makes .e2e/ the npm project root, so nothing lands
# in (or is recorded in) the extension's own package.json and node_modules.
cat >"$e2e/package.json" <<JSON
{
  "name": "cloze-e2e-tools",
  "private": true,
  "description": "Installed by test/editor/setup.sh; not part of the extension.",
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable
# here: pre-seed its download cache (it looks in $TMPDIR) with Debian's rg.
export TMPDIR=$e2e/tmp
mkdir -p "$TMPDIR/$RIPGREP_CACHE"
if [[ ! -f $TMPDIR/$RIPGREP_CACHE/$RIPGREP_ASSET ]]; then
  tar czf "$TMPDIR/$RIPGREP_CACHE/$RIPGREP_ASSET" -C "$(dirname "$(command -v rg)")" rg
fi

# npm_config_yes:         node-pty's install script runs `npx node-gyp`.
# npm_config_unsafe_perm: code-server's postinstall refuses to run as root without it.
# npm_config_nodedir:     node-gyp builds against the installed Node headers
#                         instead of downloading them (/usr for Debian's node).
export npm_config_yes=true npm_config_unsafe_perm=true
node_prefix=$(cd "$(dirname "$(command -v node)")/.." && pwd)
if [[ -f $node_prefix/include/node/node.h ]]; then export npm_config_nodedir=$node_prefix; fi
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# npm_config_ignore_scripts: `npm run setup:editor` passes on this project's
#   ignore-scripts=true (.npmrc); code-server's own install scripts must run.
export npm_config_ignore_scripts=false
: >"$e2e/setup.log"
run_npm() {
  (cd "$e2e" && npm "$@" --foreground-scripts) >>"$e2e/setup.log" 2>&1 || {
    tail -n 40 "$e2e/setup.log" >&2
    log "npm $1 failed; full log: $e2e/setup.log" >&2
    exit 1
  }
}

# npm 11 gates dependency install scripts on an allowScripts policy: 11.19 runs
# unapproved ones with a warning, later releases skip them, and
# --strict-allow-scripts fails the install. .e2e/package.json approves
# code-server and argon2, but code-server's postinstall runs a second
# `npm install` in lib/vscode, a project of its own that only its own .npmrc
# can approve (--allow-scripts on the command line is an error in a project
# install). So: unpack without scripts, approve VS Code's dependencies in
# lib/vscode/.npmrc (and lib/vscode/extensions/.npmrc), then run the install
# scripts with `npm rebuild`.
log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (a few minutes)"
run_npm install --save-exact --ignore-scripts \
  "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
printf 'allow-scripts=%s\n' "$VSCODE_SCRIPT_DEPS" >"$cs/lib/vscode/.npmrc"
printf 'allow-scripts=%s\n' "$VSCODE_EXTENSIONS_SCRIPT_DEPS" >"$cs/lib/vscode/extensions/.npmrc"
run_npm rebuild code-server argon2

# code-server's postinstall installs VS Code's own dependencies into
# lib/vscode/node_modules; without them the server starts and then fails on the
# first page load. Check that the scripts really ran rather than trusting npm's
# exit status.
for f in "$vs/node-pty/build/Release/pty.node" "$vs/@vscode/spdlog/build/Release/spdlog.node" \
  "$vs/@vscode/ripgrep/bin/rg" "$e2e/node_modules/argon2/lib/binding/napi-v3/argon2.node"; do
  if [[ ! -e $f ]]; then
    log "an install script did not run: $f is missing; see $e2e/setup.log" >&2
    exit 1
  fi
done
echo "$want" >"$stamp"
finish "installed $want"
