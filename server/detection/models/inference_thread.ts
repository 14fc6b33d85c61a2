/**
 * The two ONNX sessions of the hybrid model in a worker thread, so inference runs on another core while the main
 * thread goes on with the rules and detectors of the same batch (onnxruntime-node runs a session synchronously on
 * the calling thread). Inputs and outputs are typed arrays moved with a transfer list, so a batch costs no copy.
 * The worker is inline JavaScript that only loads onnxruntime-node (by absolute path), so it runs the same under
 * tsx, jest and the built plugin.
 */
import { Worker } from 'worker_threads';

export interface SessionSpec {
  /** The .onnx bytes (already hash-checked by the caller). */
  bytes: Uint8Array;
  options: Record<string, unknown>;
}

export interface InferenceRequest {
  n: number;
  features: Float32Array;
  featureCount: number;
  tokens: BigInt64Array;
  numeric: Float32Array;
  seqLen: number;
  seqNumeric: number;
}

export interface InferenceOutput {
  /** LightGBM probabilities output, n x 2. */
  probs: Float32Array;
  /** Bi-LSTM score, n. */
  lstm: Float32Array;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const ort = require(workerData.ortPath);
let lgbm, lstm;
const ready = (async () => {
  lgbm = await ort.InferenceSession.create(workerData.lgbm.bytes, workerData.lgbm.options);
  lstm = await ort.InferenceSession.create(workerData.lstm.bytes, workerData.lstm.options);
  return { outputs: lgbm.outputNames };
})();
ready.then(
  (r) => parentPort.postMessage({ id: 0, ready: r }),
  (e) => parentPort.postMessage({ id: 0, error: String(e && e.message || e) }),
);
parentPort.on('message', async (m) => {
  if (m.release) {
    await Promise.all([lgbm && lgbm.release(), lstm && lstm.release()]);
    parentPort.postMessage({ id: m.id, released: true });
    return;
  }
  try {
    const [a, b] = await Promise.all([
      lgbm.run({ features: new ort.Tensor('float32', m.features, [m.n, m.featureCount]) }, [m.output]),
      lstm.run({
        tokens: new ort.Tensor('int64', m.tokens, [m.n, m.seqLen]),
        numeric: new ort.Tensor('float32', m.numeric, [m.n, m.seqLen, m.seqNumeric]),
      }),
    ]);
    // Copies: the tensors' buffers belong to onnxruntime.
    const probs = new Float32Array(a[m.output].data);
    const lstmOut = new Float32Array(b.score.data);
    parentPort.postMessage({ id: m.id, probs, lstm: lstmOut }, [probs.buffer, lstmOut.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Reply {
  id: number;
  error?: string;
  ready?: { outputs: string[] };
  probs?: Float32Array;
  lstm?: Float32Array;
  released?: boolean;
}

export class InferenceThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    /** LightGBM output names (to pick the probabilities output). */
    readonly lgbmOutputs: string[],
  ) {}

  /** Starts the worker and creates both sessions in it; rejects when a session cannot be created. */
  static async start(lgbm: SessionSpec, lstm: SessionSpec): Promise<InferenceThread> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath: require.resolve('onnxruntime-node'), lgbm, lstm },
    });
    const ready = await new Promise<Reply>((resolve, reject) => {
      worker.once('message', (m: Reply) => resolve(m));
      worker.once('error', reject);
    });
    if (ready.error !== undefined || !ready.ready) {
      await worker.terminate();
      throw new Error(ready.error ?? 'inference worker did not start');
    }
    const t = new InferenceThread(worker, ready.ready.outputs);
    worker.on('message', (m: Reply) => t.settle(m));
    worker.on('error', (e: Error) => t.fail(e));
    worker.on('exit', (code) => t.fail(new Error(`inference worker exited (code ${code})`)));
    // An idle worker must not keep a finished scan alive.
    worker.unref();
    return t;
  }

  /** Runs one batch; the request's typed arrays are moved to the worker (unusable here afterwards). */
  run(req: InferenceRequest, lgbmOutput: string): Promise<InferenceOutput> {
    return this.send({ ...req, output: lgbmOutput }, [
      req.features.buffer as ArrayBuffer,
      req.tokens.buffer as ArrayBuffer,
      req.numeric.buffer as ArrayBuffer,
    ]).then((r) => ({ probs: r.probs as Float32Array, lstm: r.lstm as Float32Array }));
  }

  async release(): Promise<void> {
    if (this.failure === undefined) await this.send({ release: true }, []).catch(() => undefined);
    this.failure ??= new Error('inference worker released');
    await this.worker.terminate();
  }

  private send(msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Referenced while a request is out, so the process waits for the answer.
      if (this.waiting.size === 1) this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  private settle(m: Reply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.error !== undefined) w.reject(new Error(`ONNX inference failed: ${m.error}`));
    else w.resolve(m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
