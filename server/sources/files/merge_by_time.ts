/**
 * Several files read as one stream in time order: the per-file batches of every file are merged by `@timestamp`
 * (a k-way merge; each file keeps its own order, ties go to the file named first). A host's logs exported one file per
 * channel (Security.evtx, System.evtx, Sysmon, PowerShell...) then reach the detectors as the host wrote them: a
 * service install in System next to the logon in Security that caused it, instead of a whole month of Security and
 * then the same month again from System, which split incidents and kept duplicates apart.
 * Rejections and out-of-range counts pass straight through, as a batch of their own file with no events.
 */
import type { Event } from '../../../common/event';
import type { FileBatch } from './index';

interface Head {
  /** Position of the file in the caller's list: the tie-breaker. */
  order: number;
  file: string;
  source: AsyncIterator<FileBatch>;
  events: Event[];
  next: number;
}

function key(h: Head): string {
  return h.events[h.next]['@timestamp'];
}

function before(a: Head, b: Head): boolean {
  const ka = key(a);
  const kb = key(b);
  return ka < kb || (ka === kb && a.order < b.order);
}

/** A binary min-heap of the files that still have an event at hand, earliest first. */
class HeadHeap {
  private readonly items: Head[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Head {
    return this.items[0];
  }

  push(h: Head): void {
    const a = this.items;
    a.push(h);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): Head {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as Head;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Merges the files' batch streams into batches of at most `batchSize` events in time order. A merged batch's `file` is
 * the file of its first event (every file also appears in a batch of its own: each file's stream ends with one).
 */
export async function* mergeByTime(
  sources: AsyncIterator<FileBatch>[],
  batchSize: number,
): AsyncGenerator<FileBatch> {
  const heap = new HeadHeap();
  const passThrough: FileBatch[] = [];

  /** The file's next batch with events (handing its rejections on); false when the file is done. */
  const refill = async (h: Head): Promise<boolean> => {
    for (;;) {
      const r = await h.source.next();
      if (r.done) return false;
      const b = r.value;
      if (b.rejections.length > 0 || b.outOfRange || b.outOfOrder || b.events.length === 0)
        passThrough.push({
          file: b.file,
          events: [],
          rejections: b.rejections,
          outOfRange: b.outOfRange,
          outOfOrder: b.outOfOrder,
        });
      if (b.events.length > 0) {
        h.file = b.file;
        h.events = b.events;
        h.next = 0;
        return true;
      }
    }
  };

  try {
    for (const [order, source] of sources.entries()) {
      const h: Head = { order, file: '', source, events: [], next: 0 };
      if (await refill(h)) heap.push(h);
    }
    let out: Event[] = [];
    let file = '';
    while (heap.size > 0) {
      while (passThrough.length > 0) yield passThrough.shift() as FileBatch;
      const h = heap.pop();
      if (out.length === 0) file = h.file;
      out.push(h.events[h.next++]);
      if (h.next < h.events.length || (await refill(h))) heap.push(h);
      if (out.length >= batchSize) {
        yield { file, events: out, rejections: [] };
        out = [];
      }
    }
    while (passThrough.length > 0) yield passThrough.shift() as FileBatch;
    if (out.length > 0) yield { file, events: out, rejections: [] };
  } finally {
    await Promise.all(sources.map((s) => s.return?.()));
  }
}
