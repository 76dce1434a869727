import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { parseForm } from '../../src/shared/forms.js';
import '../../src/elements/form.js';
import type { ParleyForm } from '../../src/elements/form.js';

/** A room configuration form as a server sends it, with a field of each kind a person fills in. */
const FORM = parseForm(parse(`<x xmlns='jabber:x:data' type='form'>
  <title>Configuration for "coven" Room</title>
  <instructions>Set up your room.</instructions>
  <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
  <field label='Room name' type='text-single' var='name'><required/><desc>Shown in room lists.</desc></field>
  <field label='Persistent?' type='boolean' var='persistent'><value>0</value></field>
  <field label='Maximum occupants' type='list-single' var='maxusers'><value>20</value>
    <option label='10'><value>10</value></option><option label='20'><value>20</value></option></field>
  <field label='Presence broadcast' type='list-multi' var='broadcast'><value>moderator</value>
    <option label='Moderator'><value>moderator</value></option><option label='Participant'><value>participant</value></option></field>
  <field type='fixed'><value>&lt;b&gt;Owners&lt;/b&gt; may do anything.</value></field>
  <field label='Password' type='text-private' var='secret'/>
  <field label='Admins' type='jid-multi' var='admins'/>
  <field label='Welcome text' type='text-multi' var='welcome'/>
</x>`) as unknown as Element)!;

/** A CAPTCHA (XEP-0158) whose challenge is only on a web page: no image in the stanza; a javascript: address beside it. */
const CHALLENGE_URL = 'https://captcha.example.org/challenge?id=F3A6292C&x=<b>';
const URL_CAPTCHA = parse(`<captcha xmlns='urn:xmpp:captcha'><x xmlns='jabber:x:data' type='form'>
  <field type='hidden' var='FORM_TYPE'><value>urn:xmpp:captcha</value></field>
  <field type='hidden' var='challenge'><value>F3A6292C</value></field>
  <field label='Enter the text you see' var='ocr'><required/>
    <media xmlns='urn:xmpp:media-element' height='80' width='290'>
      <uri type='image/png'>javascript:alert(1)</uri>
      <uri type='image/png'>${CHALLENGE_URL.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</uri>
    </media>
  </field>
  <field label='Or this one' var='other'>
    <media xmlns='urn:xmpp:media-element'><uri type='image/png'>javascript:alert(2)</uri><uri type='image/png'>ftp://example.org/c.png</uri></media>
  </field>
</x></captcha>`).getChild('x') as unknown as Element;

async function mount(form = FORM): Promise<ParleyForm> {
  const el = document.createElement('parley-form') as ParleyForm;
  el.form = form;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const q = <T extends HTMLElement>(el: ParleyForm, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const byLabel = (el: ParleyForm, text: string) => {
  const label = [...el.shadowRoot!.querySelectorAll('label')].find((l) => l.textContent!.trim().replace(/\s*\*$/, '') === text);
  return el.shadowRoot!.getElementById(label!.htmlFor) as HTMLInputElement;
};

describe('<parley-form>', () => {
  afterEach(() => document.querySelectorAll('parley-form').forEach((e) => e.remove()));

  it('labels every input, says which are required, and ties descriptions to them', async () => {
    const el = await mount();
    const name = byLabel(el, 'Room name');
    expect(name.required).to.equal(true);
    expect(el.shadowRoot!.getElementById(name.getAttribute('aria-describedby')!)!.textContent).to.equal('Shown in room lists.');
    expect(byLabel(el, 'Persistent?').type).to.equal('checkbox');
    expect(byLabel(el, 'Password').type).to.equal('password');
    expect(byLabel(el, 'Maximum occupants').tagName).to.equal('SELECT');
    expect(byLabel(el, 'Admins').tagName).to.equal('TEXTAREA');
    expect([...el.shadowRoot!.querySelectorAll('fieldset legend')].map((l) => l.textContent!.trim())).to.deep.equal(['Presence broadcast']);
    // The hidden field is not shown; remote text is text, never markup.
    expect(el.shadowRoot!.querySelector('input[name="FORM_TYPE"]')).to.equal(null);
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    expect(el.shadowRoot!.textContent).to.contain('<b>Owners</b> may do anything.');
    expect(q(el, 'h2').textContent).to.equal('Configuration for "coven" Room');
  });

  it('does not submit without a required value, and says why next to the field', async () => {
    const el = await mount();
    let submitted = false;
    el.addEventListener('parley-form-submit', () => (submitted = true));
    q<HTMLButtonElement>(el, 'button[type="submit"]').click();
    await el.updateComplete;
    expect(submitted).to.equal(false);
    const name = byLabel(el, 'Room name');
    expect(name.getAttribute('aria-invalid')).to.equal('true');
    const described = name.getAttribute('aria-describedby')!.split(' ').map((id) => el.shadowRoot!.getElementById(id)!.textContent);
    expect(described).to.deep.equal(['Shown in room lists.', 'Required.']);
  });

  it('emits the values a person entered, by field', async () => {
    const el = await mount();
    const got = new Promise<Record<string, string[]>>((resolve) =>
      el.addEventListener('parley-form-submit', (e) => resolve((e as CustomEvent<{ values: Record<string, string[]> }>).detail.values)),
    );
    byLabel(el, 'Room name').value = 'The Cave';
    byLabel(el, 'Persistent?').checked = true;
    byLabel(el, 'Maximum occupants').value = '10';
    byLabel(el, 'Participant').checked = true;
    byLabel(el, 'Password').value = 'cauldronburn';
    byLabel(el, 'Admins').value = 'wiccarocks@shakespeare.lit\n\nhecate@shakespeare.lit';
    byLabel(el, 'Welcome text').value = 'Welcome!\n\n  Mind the cauldron.';
    q<HTMLButtonElement>(el, 'button[type="submit"]').click();
    expect(await got).to.deep.equal({
      name: ['The Cave'],
      persistent: ['1'],
      maxusers: ['10'],
      broadcast: ['moderator', 'participant'],
      secret: ['cauldronburn'],
      admins: ['wiccarocks@shakespeare.lit', 'hecate@shakespeare.lit'],
      // Text keeps its lines as written.
      welcome: ['Welcome!', '', '  Mind the cauldron.'],
    });
  });

  it('shows a CAPTCHA given only as an http(s) address as a link the user opens, never loading it', async () => {
    const el = await mount(parseForm(URL_CAPTCHA)!);
    const links = [...el.shadowRoot!.querySelectorAll('a')];
    expect(links.length).to.equal(1);
    const href = new URL(CHALLENGE_URL).href;
    expect(links[0]!.getAttribute('href')).to.equal(href);
    expect(links[0]!.target).to.equal('_blank');
    expect(links[0]!.rel).to.equal('noopener noreferrer');
    // Its address is what the user reads, as text.
    expect(links[0]!.textContent).to.equal(href);
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    // The answer field as usual, told where the challenge is.
    const answer = byLabel(el, 'Enter the text you see');
    expect(answer.required).to.equal(true);
    expect(answer.getAttribute('aria-describedby')!.split(' ').map((id) => el.shadowRoot!.getElementById(id)!.contains(links[0]!))).to.include(true);
    // Nothing loaded from it: no image, and the browser fetched nothing there.
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(performance.getEntriesByType('resource').filter((r) => r.name.startsWith('https://captcha.example.org/'))).to.deep.equal([]);
    // Neither javascript: nor ftp: becomes a link.
    expect(byLabel(el, 'Or this one').hasAttribute('aria-describedby')).to.equal(false);
  });

  it('cancels', async () => {
    const el = await mount();
    let cancelled = false;
    el.addEventListener('parley-form-cancel', () => (cancelled = true));
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')!.click();
    expect(cancelled).to.equal(true);
  });
});
