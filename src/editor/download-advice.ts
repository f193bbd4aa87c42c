/**
 * What a failed download tells an editor user: what happened, and what to do
 * in the editor (a button, a setting), not the command line's `--model` and
 * "run the command again" that the download error itself says. No `vscode`
 * import, so it is unit-tested; the caller passes `vscode.l10n.t` as `localize`.
 */
import { isDownloadError } from '../models/download-error';
import { english, type Localize } from './explain-html';

/**
 * The message for a failed download of `spec` (`cancelled` is not a failure
 * and is not passed here). Its buttons are Retry and Choose Local Model Folder.
 */
export function downloadAdvice(spec: string, error: unknown, localize: Localize = english): string {
  if (!isDownloadError(error)) {
    return localize('Cloze could not download {0}: {1}. Retry, or choose a model folder you already have.', spec, error instanceof Error ? error.message : String(error));
  }
  const host = hostOf(error.url);
  switch (error.code) {
    case 'network':
      return localize(
        'Cloze could not download {0}: {1} cannot be reached from here. Check the connection and Retry (the download resumes where it stopped). Offline, choose a model folder you already have; for a mirror, set cloze.hubEndpoint.',
        spec,
        host,
      );
    case 'proxy':
      return localize('Cloze could not download {0}: the proxy did not let it through. Check the setting http.proxy, then Retry; or choose a model folder you already have.', spec);
    case 'http':
      return error.status === 401 || error.status === 403 || error.status === 404
        ? localize('Cloze could not download {0}: {1} answered HTTP {2} (no such model, or it needs a token). Select another model, or choose a model folder you already have.', spec, host, error.status)
        : localize('Cloze could not download {0}: {1} answered HTTP {2}. Retry in a few minutes, or set cloze.hubEndpoint to a mirror.', spec, host, error.status ?? '?');
    case 'disk':
      return localize('Cloze could not save {0}: the disk is full or not writable (see the log). Free some space, then Retry.', spec);
    default:
      return localize('Cloze could not download {0}: a file arrived damaged and was not kept. Retry.', spec);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
