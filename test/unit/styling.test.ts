import { expect } from 'chai';
import { MAX_QUOTE_DEPTH } from '../../src/shared/limits.js';
import { render } from 'lit';
import { isMeCommand, meText, parseStyling, safeHref, type Block, type Span } from '../../src/shared/styling.js';
import { renderStyled } from '../../src/elements/styled-text.js';

const t = (text: string): Span => ({ type: 'text', text });
const strong = (...children: Span[]): Span => ({ type: 'strong', children });
const em = (...children: Span[]): Span => ({ type: 'emphasis', children });
const strike = (...children: Span[]): Span => ({ type: 'strike', children });
const code = (text: string): Span => ({ type: 'code', text });
const link = (text: string, href = text): Span => ({ type: 'link', text, href });
const plain = (...spans: Span[]): Block => ({ type: 'plain', spans });
const quote = (...blocks: Block[]): Block => ({ type: 'quote', blocks });
const pre = (text: string, info = '', closed = true): Block => ({ type: 'pre', info, text, closed });
/** The spans of a one-line body. */
const line = (body: string): Span[] => {
  const blocks = parseStyling(body);
  expect(blocks, body).to.have.length(1);
  expect(blocks[0].type).to.equal('plain');
  return (blocks[0] as Extract<Block, { type: 'plain' }>).spans;
};
const timed = (body: string): number => {
  const start = performance.now();
  parseStyling(body);
  return performance.now() - start;
};

describe('message styling blocks (XEP-0393 §5.1)', () => {
  it('keeps every line a plain block; spans do not escape them (Plain block text)', () => {
    expect(parseStyling('There are three blocks in this body marked by parens,\nbut there is no *formatting\nas spans* may not escape blocks.')).to.deep.equal([
      plain(t('There are three blocks in this body marked by parens,')),
      plain(t('but there is no *formatting')),
      plain(t('as spans* may not escape blocks.')),
    ]);
  });

  it('parses a preformatted block, ignoring the text after the fence (Preformatted block text)', () => {
    expect(parseStyling('```ignored\n(println "Hello, world!")\n```\n\nThis should show up as monospace, preformatted text ⤴')).to.deep.equal([
      pre('(println "Hello, world!")', 'ignored'),
      plain(),
      plain(t('This should show up as monospace, preformatted text ⤴')),
    ]);
  });

  it('ends an unclosed preformatted block with its quote (No closing preformatted text sequence)', () => {
    expect(parseStyling('> ```\n> (println "Hello, world!")\n\nThe entire blockquote is a preformatted text block, but this line\nis plaintext!')).to.deep.equal([
      quote(pre('(println "Hello, world!")', '', false)),
      plain(),
      plain(t('The entire blockquote is a preformatted text block, but this line')),
      plain(t('is plaintext!')),
    ]);
  });

  it('parses a quotation that ends at the first line without ">" (Quotation)', () => {
    expect(parseStyling('> That that is, is.\n\nSaid the old hermit of Prague.')).to.deep.equal([
      quote(plain(t('That that is, is.'))),
      plain(),
      plain(t('Said the old hermit of Prague.')),
    ]);
  });

  it('nests quotations, parsing their contents as blocks (Nested Quotation)', () => {
    expect(parseStyling('>> That that is, is.\n> Said the old hermit of Prague.\n\nWho?')).to.deep.equal([
      quote(quote(plain(t('That that is, is.'))), plain(t('Said the old hermit of Prague.'))),
      plain(),
      plain(t('Who?')),
    ]);
  });

  it('styles spans inside a quote but nothing inside a preformatted block', () => {
    expect(parseStyling('> *a*\n```\n*b* > c\n> d\n```\n_e_')).to.deep.equal([
      quote(plain(strong(t('a')))),
      pre('*b* > c\n> d'),
      plain(em(t('e'))),
    ]);
  });

  it('trims only the first whitespace character after ">"', () => {
    expect(parseStyling('>  two\n>\tab\n>none\n>')).to.deep.equal([quote(plain(t(' two')), plain(t('ab')), plain(t('none')), plain())]);
  });

  it('closes a preformatted block only on a line of exactly three grave accents', () => {
    expect(parseStyling('```\npre *fmt* ```\n```\nplain')).to.deep.equal([pre('pre *fmt* ```'), plain(t('plain'))]);
    expect(parseStyling('````\na\n```')).to.deep.equal([pre('a', '`')]);
    expect(parseStyling('```\na```')).to.deep.equal([pre('a```', '', false)]);
    expect(parseStyling('```\na\n``` \nb')).to.deep.equal([pre('a\n``` \nb', '', false)]);
    expect(parseStyling('> ``` \n> pre\nplain')).to.deep.equal([quote(pre('pre', ' ', false)), plain(t('plain'))]);
    expect(parseStyling('> ```\n> pre\n> ```\n> not pre')).to.deep.equal([quote(pre('pre'), plain(t('not pre')))]);
  });

  it('treats CRLF line ends like LF', () => {
    expect(parseStyling('```\r\nx\r\n```\r\n*y*')).to.deep.equal([pre('x'), plain(strong(t('y')))]);
  });
});

describe('message styling spans (XEP-0393 §5.2)', () => {
  it('styles the examples the business rules list as styled', () => {
    expect(line('*strong*')).to.deep.equal([strong(t('strong'))]);
    expect(line('plain *strong* plain')).to.deep.equal([t('plain '), strong(t('strong')), t(' plain')]);
    expect(line('*strong* plain *strong*')).to.deep.equal([strong(t('strong')), t(' plain '), strong(t('strong'))]);
    expect(line('*strong*plain*')).to.deep.equal([strong(t('strong')), t('plain*')]);
    expect(line('* plain *strong*')).to.deep.equal([t('* plain '), strong(t('strong'))]);
  });

  it('styles nothing in the examples the business rules list as unstyled', () => {
    for (const body of ['not strong*', '*not strong', '*not *strong', '**', '****', '***']) {
      expect(line(body), body).to.deep.equal([t(body)]);
    }
    expect(parseStyling('*not \n strong*')).to.deep.equal([plain(t('*not ')), plain(t(' strong*'))]);
  });

  it('parses the glossary span examples', () => {
    expect(line('plain span')).to.deep.equal([t('plain span')]);
    expect(line('*strong span*')).to.deep.equal([strong(t('strong span'))]);
    expect(line('_emphasized span_')).to.deep.equal([em(t('emphasized span'))]);
    expect(line('_emphasized span containing *strong span*_')).to.deep.equal([em(t('emphasized span containing '), strong(t('strong span')))]);
    expect(line('span one *span two*')).to.deep.equal([t('span one '), strong(t('span two'))]);
  });

  it('parses a plain span next to a styled one (Plain)', () => {
    expect(line('Two spans, both *alike in dignity*')).to.deep.equal([t('Two spans, both '), strong(t('alike in dignity'))]);
  });

  it('parses emphasis (Italic)', () => {
    expect(parseStyling('The full title is _Twelfth Night, or What You Will_ but\n_most_ people shorten it.')).to.deep.equal([
      plain(t('The full title is '), em(t('Twelfth Night, or What You Will')), t(' but')),
      plain(em(t('most')), t(' people shorten it.')),
    ]);
  });

  it('parses strong emphasis (Strong)', () => {
    expect(parseStyling('The full title is "Twelfth Night, or What You Will" but\n*most* people shorten it.')).to.deep.equal([
      plain(t('The full title is "Twelfth Night, or What You Will" but')),
      plain(strong(t('most')), t(' people shorten it.')),
    ]);
  });

  it('parses strike through inside a word (Strike through)', () => {
    expect(line('Everyone ~dis~likes cake.')).to.deep.equal([t('Everyone '), strike(t('dis')), t('likes cake.')]);
  });

  it('parses preformatted spans, with no styling inside (Monospace text)', () => {
    expect(line('Wow, I can write in `monospace`!')).to.deep.equal([t('Wow, I can write in '), code('monospace'), t('!')]);
    expect(line('This is `monospace`')).to.deep.equal([t('This is '), code('monospace')]);
    expect(line('This is `*monospace*`')).to.deep.equal([t('This is '), code('*monospace*')]);
    expect(line('This is *`monospace and bold`*')).to.deep.equal([t('This is '), strong(code('monospace and bold'))]);
    expect(line('_no pre `with *children*`_')).to.deep.equal([em(t('no pre '), code('with *children*'))]);
  });

  it('does not let spans overlap, and nests different directives', () => {
    expect(line('*this cannot _overlap*_')).to.deep.equal([strong(t('this cannot _overlap')), t('_')]);
    expect(line('*_~all three~_*')).to.deep.equal([strong(em(strike(t('all three'))))]);
    expect(line('*a *b* c*')).to.deep.equal([strong(t('a *b')), t(' c*')]);
    expect(line('*strong* _emph_~strike~  `pre`')).to.deep.equal([strong(t('strong')), t(' '), em(t('emph')), t('~strike~  '), code('pre')]);
  });

  it('needs whitespace or the line start before an opener and none after it, and none before a closer', () => {
    expect(line('snake_case_name and 2*3*4')).to.deep.equal([t('snake_case_name and 2*3*4')]);
    expect(line('_ not_ *not *')).to.deep.equal([t('_ not_ *not *')]);
    expect(line('\u3000*ideographic space*')).to.deep.equal([t('\u3000'), strong(t('ideographic space'))]);
  });
});

describe('links in styled text', () => {
  it('links http, https and xmpp URIs, leaving trailing punctuation out', () => {
    expect(line('see https://example.com/a?b=c#d.')).to.deep.equal([t('see '), link('https://example.com/a?b=c#d'), t('.')]);
    expect(line('(at http://example.com/x), or xmpp:romeo@montague.lit?message!')).to.deep.equal([
      t('(at '),
      link('http://example.com/x'),
      t('), or '),
      link('xmpp:romeo@montague.lit?message'),
      t('!'),
    ]);
    expect(line('https://en.wikipedia.org/wiki/Foo_(bar)')).to.deep.equal([link('https://en.wikipedia.org/wiki/Foo_(bar)')]);
    expect(line('HTTPS://Example.COM')).to.deep.equal([link('HTTPS://Example.COM', 'https://example.com/')]);
  });

  it('links inside styled spans, but not inside preformatted text', () => {
    expect(line('_read https://example.com/_')).to.deep.equal([em(t('read '), link('https://example.com/'))]);
    expect(line('`https://example.com/`')).to.deep.equal([code('https://example.com/')]);
    expect(parseStyling('```\nhttps://example.com/\n```')).to.deep.equal([pre('https://example.com/')]);
  });

  it('never links other schemes or half-URIs', () => {
    for (const body of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', 'http://', 'https:// x', 'xmpp:', 'evilhttps://example.com/', 'ftp://example.com/']) {
      expect(line(body).some((s) => s.type === 'link'), body).to.equal(false);
    }
    expect(safeHref('javascript:alert(1)')).to.equal(null);
    expect(safeHref(' javascript:alert(1)')).to.equal(null);
    for (const uri of ['ftp://example.com/', 'ws://example.com/', 'blob:https://example.com/x', 'http:/\\javascript:alert(1)']) {
      expect(safeHref(uri), uri).to.equal(null);
    }
    expect(safeHref('https://example.com')).to.equal('https://example.com/');
  });

  it('ends a URI at a quote or angle bracket', () => {
    expect(line('https://example.com/"onmouseover="alert(1)')).to.deep.equal([link('https://example.com/'), t('"onmouseover="alert(1)')]);
  });
});

describe('hostile styled text', () => {
  it('keeps markup as text', () => {
    expect(line('*<script>alert(1)</script>*')).to.deep.equal([strong(t('<script>alert(1)</script>'))]);
  });

  it('parses pathological bodies in bounded time', () => {
    const n = 100_000;
    for (const body of [
      '*'.repeat(n),
      '*a '.repeat(n / 3),
      ' _a'.repeat(n / 3),
      '*_~`'.repeat(n / 4),
      '* _ ~ `'.repeat(n / 7),
      'a*'.repeat(n / 2),
      '>'.repeat(n),
      '```\n'.repeat(n / 4),
      '> '.repeat(n / 2),
      `https://example.com/${')'.repeat(n)}`,
      `https://${'.'.repeat(n)}`,
      'http://'.repeat(n / 7),
    ]) {
      expect(timed(body), body.slice(0, 20)).to.be.below(500);
    }
  });

  it('caps quote nesting, leaving deeper ">" as text', () => {
    for (const body of [`${'>'.repeat(1000)} deep`, `${'> '.repeat(1000)}deep`]) {
      let blocks = parseStyling(body);
      let depth = 0;
      while (blocks[0].type === 'quote') {
        blocks = blocks[0].blocks;
        depth++;
      }
      expect(depth).to.equal(MAX_QUOTE_DEPTH);
      const last = blocks[0] as Extract<Block, { type: 'plain' }>;
      expect((last.spans[0] as { text: string }).text.endsWith('deep')).to.equal(true);
    }
  });
});

describe('/me (XEP-0245)', () => {
  it('matches "/me " at the very start only', () => {
    expect(isMeCommand('/me shrugs in disgust')).to.equal(true);
    expect(meText('/me shrugs in disgust')).to.equal('shrugs in disgust');
    for (const body of ['/meshrugs in disgust', "/me's disgusted", ' /me shrugs in disgust', '"/me shrugs in disgust"', '* Atlas shrugs in disgust', 'Why did Atlas say "/me shrugs in disgust"?', '/me', '/ME shrugs']) {
      expect(isMeCommand(body), body).to.equal(false);
      expect(meText(body), body).to.equal(null);
    }
  });
});

describe('renderStyled', () => {
  const shown = (body: string): HTMLElement => {
    const el = document.createElement('div');
    render(renderStyled(body), el);
    return el;
  };
  const ALLOWED_ATTRIBUTES = new Set(['class', 'aria-hidden', 'href', 'rel', 'target']);

  it('renders spans as elements with their directives dimmed', () => {
    const el = shown('*bold* _em_ ~gone~ `co*de*`');
    expect(el.querySelector('strong')?.textContent).to.equal('*bold*');
    expect(el.querySelector('em')?.textContent).to.equal('_em_');
    expect(el.querySelector('s')?.textContent).to.equal('~gone~');
    expect(el.querySelector('code')?.textContent).to.equal('`co*de*`');
    expect(el.querySelectorAll('code strong')).to.have.length(0);
    const marks = [...el.querySelectorAll('.directive')].map((d) => d.textContent);
    expect(marks).to.deep.equal(['*', '*', '_', '_', '~', '~', '`', '`']);
    expect(el.querySelector('.directive')?.getAttribute('aria-hidden')).to.equal('true');
    expect(el.textContent).to.equal('*bold* _em_ ~gone~ `co*de*`');
  });

  it('renders blocks: pre with code, nested blockquotes, lines joined by newlines', () => {
    const el = shown('```ignored\n(println "Hello, world!")\n```\n>> That that is, is.\n> Said the old hermit of Prague.\n\nWho?\nWhat?');
    expect(el.querySelector('pre > code')?.textContent).to.equal('(println "Hello, world!")');
    expect(el.querySelector('pre')?.textContent).to.equal('```ignored\n(println "Hello, world!")\n```');
    expect(el.querySelector('blockquote > blockquote')?.textContent).to.equal('That that is, is.');
    expect(el.querySelector('blockquote')?.textContent).to.equal('That that is, is.Said the old hermit of Prague.');
    expect(el.textContent).to.equal('```ignored\n(println "Hello, world!")\n```That that is, is.Said the old hermit of Prague.\nWho?\nWhat?');
  });

  it('renders links with a safe href, opening elsewhere without an opener', () => {
    const a = shown('go to https://example.com/x.').querySelector('a')!;
    expect(a.getAttribute('href')).to.equal('https://example.com/x');
    expect(a.textContent).to.equal('https://example.com/x');
    expect(a.rel).to.equal('noopener noreferrer');
    expect(a.target).to.equal('_blank');
    expect(shown('xmpp:juliet@capulet.lit?message').querySelector('a')?.getAttribute('href')).to.equal('xmpp:juliet@capulet.lit?message');
    expect(shown('javascript:alert(1) data:text/html,x').querySelector('a')).to.equal(null);
  });

  it('creates no element from markup in the body, and no attribute but its own', () => {
    const bodies = [
      '*<script>alert(1)</script>*',
      '<img src=x onerror=alert(1)>',
      '_<img src=x onerror=alert(1)>_ `<b>`',
      '```\n<script>alert(1)</script>\n```',
      '> <iframe src="javascript:alert(1)"></iframe>',
      'https://example.com/"onmouseover="alert(1) https://example.com/<img>',
      '<a href="javascript:alert(1)">x</a>',
      '${x} {{x}} <!-- x --> &lt;b&gt; &amp;',
    ];
    for (const body of bodies) {
      const el = shown(body);
      expect(el.querySelector('script, img, iframe, b, a[href^="javascript"]'), body).to.equal(null);
      for (const node of el.querySelectorAll('*')) {
        for (const attr of node.getAttributeNames()) expect(ALLOWED_ATTRIBUTES.has(attr), `${body}: ${attr}`).to.equal(true);
      }
      expect(el.textContent, body).to.equal(body.replace(/^> /, ''));
    }
  });

  it('renders deep quotes only to the cap', () => {
    expect(shown(`${'>'.repeat(1000)} deep`).querySelectorAll('blockquote')).to.have.length(MAX_QUOTE_DEPTH);
  });
});

describe('styling amplification (hostile bodies)', () => {
  const shown = (body: string): HTMLElement => {
    const el = document.createElement('div');
    render(renderStyled(body), el);
    return el;
  };
  // A styled span costs three elements (the span and its two directives); a few hundred is plenty for a person.
  const BOUND = 1000;

  it('a 64K body of "*a* *a* …" creates a bounded number of elements and keeps all its text', () => {
    const body = '*a* '.repeat(16384);
    const el = shown(body);
    expect(el.querySelectorAll('*').length).to.be.below(BOUND);
    expect(el.querySelectorAll('strong').length).to.be.above(10); // the first ones are still styled
    expect(el.textContent).to.equal(body);
  });

  it('a 64K body of links, code or quotes is bounded too', () => {
    for (const body of ['http://a.example '.repeat(4000), '`a` '.repeat(16384), '> a\nb\n'.repeat(10000), '```\na\n```\n'.repeat(6000), '~_*a*_~ '.repeat(8000)]) {
      const el = shown(body);
      expect(el.querySelectorAll('*').length, body.slice(0, 20)).to.be.below(BOUND);
    }
  });
});
