/**
 * Live model objects of this process, so the status page can report what is loaded and how it performs.
 * Scorers register themselves when created; the registry holds no detection logic.
 */
export interface LiveModelStatus {
  id: string;
  loaded: boolean;
  error?: string;
  version?: string;
  latency?: { count: number; p50Ms: number | null; p95Ms: number | null };
  drift?: { windows: number; psi: Record<string, number> };
  windowsScored?: number;
  findings?: number;
  /** High-scoring windows with no contributor mapped to an ATT&CK technique (held as context, not alerted). */
  unattributed?: number;
}

export interface StatusSource {
  status(): LiveModelStatus;
}

const live = new Set<StatusSource>();

export function registerModel(s: StatusSource): () => void {
  live.add(s);
  return () => live.delete(s);
}

export function liveModels(): LiveModelStatus[] {
  return [...live].map((s) => s.status());
}
