import type * as vscode from 'vscode';

/** Waits `ms`; resolves true if `token` was cancelled meanwhile (then at once). */
export function delay(ms: number, token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(false);
    }, ms);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(true);
    });
  });
}
