/**
 * XEP-0393 Message Styling and XEP-0245 /me, parsed into plain data: no DOM, no HTML, no regex over
 * styling (the grammar is not regular, and hostile bodies must parse in bounded time).
 */
import { MAX_QUOTE_DEPTH, MAX_STYLED } from './limits.js';

export type Span =
  | { type: 'text'; text: string }
  | { type: 'link'; text: string; href: string }
  | { type: 'code'; text: string }
  | { type: 'strong' | 'emphasis' | 'strike'; children: Span[] };

export type Block =
  | { type: 'plain'; spans: Span[] }
  /** `info` is whatever followed "```" on the opening line; `closed` is false when it ran to the end of its parent. */
  | { type: 'pre'; info: string; text: string; closed: boolean }
  | { type: 'quote'; blocks: Block[] };
export const FENCE = '```';
export const DIRECTIVE = { strong: '*', emphasis: '_', strike: '~', code: '`' } as const;
const SPAN_OF: Record<string, keyof typeof DIRECTIVE> = { '*': 'strong', _: 'emphasis', '~': 'strike', '`': 'code' };

/** What is left of MAX_STYLED while one body is parsed. */
interface Budget {
  left: number;
}

// XEP-0393 §4: Unicode White_Space or category Z; JS \s covers all but U+0085.
const SPACE = /[\s\u0085]/;
const isSpace = (ch: string | undefined): boolean => ch !== undefined && SPACE.test(ch);

export function parseStyling(body: string): Block[] {
  return parseBlocks(body.split(/\r?\n/), 0, { left: MAX_STYLED });
}

function parseBlocks(lines: string[], depth: number, budget: Budget): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (budget.left <= 0) {
      // Spent: the remaining lines as they are, one text node.
      blocks.push({ type: 'plain', spans: [{ type: 'text', text: lines.slice(i).join('\n') }] });
      break;
    }
    if (line.startsWith('>') && depth < MAX_QUOTE_DEPTH) {
      budget.left--;
      // A quote ends at the first line not starting with ">"; its lines lose ">" and one whitespace character.
      const inner: string[] = [];
      for (; i < lines.length && lines[i].startsWith('>'); i++) {
        const rest = lines[i].slice(1);
        inner.push(isSpace(rest[0]) ? rest.slice(1) : rest);
      }
      blocks.push({ type: 'quote', blocks: parseBlocks(inner, depth + 1, budget) });
    } else if (line.startsWith(FENCE)) {
      budget.left--;
      const start = ++i;
      while (i < lines.length && lines[i] !== FENCE) i++;
      const closed = i < lines.length;
      blocks.push({ type: 'pre', info: line.slice(FENCE.length), text: lines.slice(start, i).join('\n'), closed });
      if (closed) i++;
    } else {
      blocks.push({ type: 'plain', spans: parseLine(line, budget) });
      i++;
    }
  }
  return blocks;
}

function parseLine(line: string, budget: Budget): Span[] {
  // Every position that could close a span, per directive, ascending: found by binary search, so
  // a line of unmatched openers costs n log n, not n².
  const closers = new Map<string, number[]>();
  for (let j = 1; j < line.length; j++) {
    const c = line[j];
    if (c in SPAN_OF && !isSpace(line[j - 1])) {
      const list = closers.get(c);
      if (list) list.push(j);
      else closers.set(c, [j]);
    }
  }
  return spansIn(line, 0, line.length, closers, budget);
}

/**
 * Spans of line[start, end), lazily matched left to right (XEP-0393 §5.2). An opener stands at
 * `start` (line start, or first character inside an enclosing span, as in "*`code`*") or after
 * whitespace, is followed by neither whitespace nor itself ("**" is not an empty span), and closes at
 * the first same directive after some text that is not preceded by whitespace. A span cannot
 * contain its own directive, so nesting is at most four deep.
 */
function spansIn(line: string, start: number, end: number, closers: Map<string, number[]>, budget: Budget): Span[] {
  const out: Span[] = [];
  let plain = start;
  for (let i = start; i + 2 < end && budget.left > 0; i++) {
    const c = line[i];
    const type = SPAN_OF[c];
    if (!type || (i > start && !isSpace(line[i - 1])) || isSpace(line[i + 1]) || line[i + 1] === c) continue;
    const j = firstAfter(closers.get(c), i + 1);
    if (j < 0 || j >= end) continue;
    pushText(out, line.slice(plain, i), budget);
    budget.left--;
    out.push(type === 'code' ? { type, text: line.slice(i + 1, j) } : { type, children: spansIn(line, i + 1, j, closers, budget) });
    plain = j + 1;
    i = j;
  }
  pushText(out, line.slice(plain, end), budget);
  return out;
}

function firstAfter(sorted: number[] | undefined, k: number): number {
  if (!sorted) return -1;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > k) hi = mid;
    else lo = mid + 1;
  }
  return lo < sorted.length ? sorted[lo] : -1;
}

const URI = /(?:https?:\/\/|xmpp:)[^\s<>"]+/gi;
const WORD = /[\p{L}\p{N}]/u;
const TRAILING = /[.,:;!?'"]/;
const OPENER: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const SCHEMES = new Set(['http:', 'https:', 'xmpp:']);

/** Plain text, with http(s)/xmpp URIs split out as links. */
function pushText(out: Span[], text: string, budget: Budget): void {
  if (!text) return;
  let last = 0;
  for (const m of text.matchAll(URI)) {
    if (budget.left <= 0) break;
    const at = m.index;
    if (at > 0 && WORD.test(text[at - 1])) continue;
    const uri = trimUri(m[0]);
    const href = safeHref(uri);
    if (!href) continue;
    if (at > last) out.push({ type: 'text', text: text.slice(last, at) });
    budget.left--;
    out.push({ type: 'link', text: uri, href });
    last = at + uri.length;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
}

/** Drops sentence punctuation and closing brackets the URI did not open: "(see https://a.example/x)." */
function trimUri(uri: string): string {
  const balance: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
  for (const ch of uri) {
    if (ch in balance) balance[ch]++;
    else if (ch in OPENER) balance[OPENER[ch]]--;
  }
  let end = uri.length;
  for (;;) {
    const ch = uri[end - 1];
    if (TRAILING.test(ch)) end--;
    else if (ch in OPENER && balance[OPENER[ch]] < 0) {
      balance[OPENER[ch]]++;
      end--;
    } else return uri.slice(0, end);
  }
}

/** The normalised href when `uri` is an http, https or xmpp URI, else null: nothing else may become a link. */
export function safeHref(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (!SCHEMES.has(url.protocol)) return null;
  if (url.protocol === 'xmpp:' ? !url.hostname && !url.pathname : !url.hostname) return null;
  return url.href;
}

const ME = '/me ';

/** XEP-0245: "/me " (with the space) as the first four characters of the body, nothing before it. */
export function isMeCommand(body: string): boolean {
  return body.startsWith(ME);
}

/** The action after "/me ", or null when the body is not a /me command. */
export function meText(body: string): string | null {
  return isMeCommand(body) ? body.slice(ME.length) : null;
}
