/** The onnxruntime-node module's type. */
export type Ort = typeof import('onnxruntime-node');

/**
 * Loads onnxruntime-node with its telemetry off: `ORT_DISABLE_TELEMETRY` must
 * be set before the first `require`, or every session writes a debug log to
 * /tmp and a database under ~/.cache.
 */
export async function loadOrt(): Promise<Ort> {
  process.env.ORT_DISABLE_TELEMETRY = '1';
  return import('onnxruntime-node');
}
