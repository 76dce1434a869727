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

async function mount(): Promise<ParleyForm> {
  const el = document.createElement('parley-form') as ParleyForm;
  el.form = FORM;
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

  it('cancels', async () => {
    const el = await mount();
    let cancelled = false;
    el.addEventListener('parley-form-cancel', () => (cancelled = true));
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')!.click();
    expect(cancelled).to.equal(true);
  });
});
