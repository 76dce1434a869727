/**
 * The message the user is answering (XEP-0461): <parley-conversation> sets it from a message's
 * Reply button, <parley-composer> shows "Replying to …" and sends the reply. Per page, never stored.
 */
export interface ReplyTarget {
  conversation: string;
  key: string;
  /** Who wrote it, as shown ('You' or their address). */
  author: string;
  /** Its text, without its own reply quote. */
  text: string;
}

class Replying extends EventTarget {
  current: ReplyTarget | undefined;

  set(target: ReplyTarget | undefined): void {
    this.current = target;
    this.dispatchEvent(new Event('change'));
  }
}

export const replying = new Replying();

/** A reply's own text: its body without the fallback quote (XEP-0428), when it has a usable one. */
export function withoutFallback(m: { body: string; fallback?: { start: number; end: number } }): string {
  const f = m.fallback;
  if (!f || f.start < 0 || f.end > m.body.length || f.start >= f.end) return m.body;
  return m.body.slice(0, f.start) + m.body.slice(f.end);
}

/** The emoji offered by a message's React button. */
export const COMMON_REACTIONS = ['👍', '❤️', '😂', '😮', '😢'];
