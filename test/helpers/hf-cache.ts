/**
 * Lays out a model in a Hugging Face Hub cache exactly as `huggingface_hub`
 * does (`hf_hub_download`): `blobs/<etag>` (the SHA-256 for LFS files, the git
 * blob id for the others), `snapshots/<commit>/<path>` as relative symbolic
 * links to the blobs, and `refs/<branch>` holding the commit, without a
 * trailing newline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitBlobSha1, sha256 } from './hub-server';

/** Options for {@link layOutHubCache}. */
export interface HubCacheLayout {
  /** A 40-hex commit id. */
  commit: string;
  /** The branch whose ref names the commit. @default 'main' */
  branch?: string;
  /** Which files are LFS files (named by SHA-256). @default `*.onnx` */
  isLfs?: (file: string) => boolean;
}

/**
 * Writes `files` (path in the repository → contents) for `repo` into the Hub cache `hubDir`.
 * @returns the repository's folder.
 */
export function layOutHubCache(hubDir: string, repo: string, files: Record<string, Buffer | string>, layout: HubCacheLayout): string {
  const root = path.join(hubDir, `models--${repo.replace('/', '--')}`);
  const isLfs = layout.isLfs ?? ((file: string) => file.endsWith('.onnx'));
  fs.mkdirSync(path.join(root, 'blobs'), { recursive: true });
  for (const [file, contents] of Object.entries(files)) {
    const data = Buffer.isBuffer(contents) ? contents : Buffer.from(contents);
    const etag = isLfs(file) ? sha256(data) : gitBlobSha1(data);
    fs.writeFileSync(path.join(root, 'blobs', etag), data);
    const link = path.join(root, 'snapshots', layout.commit, ...file.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join(root, 'blobs', etag)), link);
  }
  fs.mkdirSync(path.join(root, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'refs', layout.branch ?? 'main'), layout.commit);
  return root;
}

/** Every file under `dir`, relative, with `->` and the target for symbolic links: a picture of a cache to compare. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    out.push(entry.isSymbolicLink() ? `${relative} -> ${fs.readlinkSync(full)}` : relative);
  }
  return out.sort();
}
