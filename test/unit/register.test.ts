import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { FormError } from '../../src/shared/forms.js';
import {
  buildPasswordChange, buildRegistration, buildRemove, parseError, parseRegistration, registrationError, usernameOf,
} from '../../src/worker/register.js';

const el = (s: string) => parse(s) as unknown as Element;

/** XEP-0077 Example 2: the legacy fields a server asks for. */
const LEGACY = el(`<iq type='result' id='reg1'>
  <query xmlns='jabber:iq:register'>
    <instructions>Choose a username and password for use with this service. Please also provide your email address.</instructions>
    <username/>
    <password/>
    <email/>
  </query>
</iq>`);

/** A CAPTCHA-protected form as ejabberd sends it (XEP-0158 §3.3): the image as Bits of Binary beside the form. */
const CAPTCHA = el(`<iq type='result' id='reg2' from='example.org'>
  <query xmlns='jabber:iq:register'>
    <instructions>You need a client that supports x:data and CAPTCHA to register</instructions>
    <x xmlns='jabber:x:data' type='form'>
      <instructions>Choose a username and password to register with this server</instructions>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:captcha</value></field>
      <field var='username' type='text-single' label='User'><required/></field>
      <field var='password' type='text-private' label='Password'><required/></field>
      <field var='challenge' type='hidden'><value>1234567890</value></field>
      <field var='ocr' type='text-single' label='Enter the text you see'>
        <media xmlns='urn:xmpp:media-element' height='70' width='180'>
          <uri type='image/png'>cid:sha1+6f1c1e5d@bob.xmpp.org</uri>
        </media>
        <required/>
      </field>
    </x>
    <data xmlns='urn:xmpp:bob' cid='sha1+6f1c1e5d@bob.xmpp.org' type='image/png' max-age='0'>iVBORw0KGgo=</data>
  </query>
</iq>`);

/** XEP-0077 Example 5 (shortened): the server sends people to its web site. */
const REDIRECT = el(`<iq type='result' id='reg3'>
  <query xmlns='jabber:iq:register'>
    <instructions>To register, visit http://www.shakespeare.lit/contests.php</instructions>
    <x xmlns='jabber:x:oob'><url>http://www.shakespeare.lit/contests.php</url></x>
  </query>
</iq>`);

describe('in-band registration (XEP-0077)', () => {
  it('makes the legacy fields a form of their own, every field required, the password private', () => {
    const reg = parseRegistration(LEGACY)!;
    expect(reg.legacy).to.equal(true);
    expect(reg.form.instructions[0]).to.match(/^Choose a username/);
    expect(reg.form.fields.map((f) => [f.var, f.type, f.required])).to.deep.equal([
      ['username', 'text-single', true],
      ['password', 'text-private', true],
      ['email', 'text-single', true],
    ]);
  });

  it('answers legacy fields with the same elements, and refuses an answer that leaves one empty', () => {
    const reg = parseRegistration(LEGACY)!;
    const query = buildRegistration(reg, { username: ['bill'], password: ['Calliope'], email: ['bard@shakespeare.lit'] });
    expect(query.toString()).to.equal(
      '<query xmlns="jabber:iq:register"><username>bill</username><password>Calliope</password><email>bard@shakespeare.lit</email></query>',
    );
    expect(() => buildRegistration(reg, { username: ['bill'], password: ['Calliope'] })).to.throw(FormError);
  });

  it('takes the data form where there is one, with the CAPTCHA image from the Bits of Binary in the IQ', () => {
    const reg = parseRegistration(CAPTCHA)!;
    expect(reg.legacy).to.equal(false);
    const ocr = reg.form.fields.find((f) => f.var === 'ocr')!;
    expect(ocr.media).to.deep.equal({ type: 'image/png', uri: 'data:image/png;base64,iVBORw0KGgo=', width: 180, height: 70 });
    const query = buildRegistration(reg, { username: ['bill'], password: ['Calliope'], ocr: ['7nHL3'] });
    const x = query.getChild('x', 'jabber:x:data')!;
    expect(x.attrs.type).to.equal('submit');
    // The hidden challenge goes back as the server gave it: it names the CAPTCHA answered.
    expect(x.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')])).to.deep.equal([
      ['FORM_TYPE', 'urn:xmpp:captcha'], ['username', 'bill'], ['password', 'Calliope'], ['challenge', '1234567890'], ['ocr', '7nHL3'],
    ]);
    expect(usernameOf(reg.form, { username: [' bill '] })).to.equal('bill');
  });

  it('keeps a web page the server sends people to only when it is http(s)', () => {
    expect(parseRegistration(REDIRECT)?.url).to.equal('http://www.shakespeare.lit/contests.php');
    const hostile = el(`<iq type='result'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:oob'><url>javascript:alert(1)</url></x></query></iq>`);
    expect(parseRegistration(hostile)).to.equal(null);
  });

  it('finds no form in an IQ without a registration query', () => {
    expect(parseRegistration(el(`<iq type='result'><query xmlns='jabber:iq:roster'/></iq>`))).to.equal(null);
  });

  it('says what a refusal means: a name taken, a value not accepted, with the server’s words after', () => {
    const conflict = el(`<iq type='error' id='reg2'>
      <error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
        <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>The requested username already exists.</text></error></iq>`);
    const { condition, text } = parseError(conflict);
    expect(condition).to.equal('conflict');
    expect(registrationError(condition, text)).to.equal('That username is taken: choose another. (The requested username already exists.)');
    expect(registrationError('not-acceptable')).to.equal('The server did not accept what was entered.');
    expect(registrationError('not-allowed', 'The CAPTCHA verification has failed')).to.match(/did not allow it.*CAPTCHA/);
    expect(registrationError('undefined-condition')).to.equal('The server refused (undefined-condition).');
  });

  it('builds the password change (§3.3) and the removal (§3.2)', () => {
    expect(buildPasswordChange('bill', 'newpass').toString()).to.equal(
      '<query xmlns="jabber:iq:register"><username>bill</username><password>newpass</password></query>',
    );
    expect(buildRemove().toString()).to.equal('<query xmlns="jabber:iq:register"><remove/></query>');
  });
});
