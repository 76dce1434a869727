import { expect } from 'chai';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildCancel, buildSubmit, FormError, parseForm, validateForm, type DataForm } from '../../src/shared/forms.js';

const x = (el: Element) => el.getChild('x', 'jabber:x:data') ?? el;

/** XEP-0045 Example 164 (service sends the configuration form to the owner), as the spec gives it, shortened. */
const ROOMCONFIG = parse(`<iq from='coven@chat.shakespeare.lit' id='config1' to='crone1@shakespeare.lit/desktop' type='result'>
  <query xmlns='http://jabber.org/protocol/muc#owner'>
    <x xmlns='jabber:x:data' type='form'>
      <title>Configuration for "coven" Room</title>
      <instructions>Your room coven@macbeth has been created! The default configuration is as follows: ...</instructions>
      <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
      <field label='Natural-Language Room Name' type='text-single' var='muc#roomconfig_roomname'/>
      <field label='Short Description of Room' type='text-single' var='muc#roomconfig_roomdesc'/>
      <field label='Enable Public Logging?' type='boolean' var='muc#roomconfig_enablelogging'><value>0</value></field>
      <field label='Allow Occupants to Change Subject?' type='boolean' var='muc#roomconfig_changesubject'><value>0</value></field>
      <field label='Roles for which Presence is Broadcasted' type='list-multi' var='muc#roomconfig_presencebroadcast'>
        <value>moderator</value><value>participant</value><value>visitor</value>
        <option label='Moderator'><value>moderator</value></option>
        <option label='Participant'><value>participant</value></option>
        <option label='Visitor'><value>visitor</value></option>
      </field>
      <field label='Maximum Number of Occupants' type='list-single' var='muc#roomconfig_maxusers'>
        <value>20</value>
        <option label='10'><value>10</value></option><option label='20'><value>20</value></option>
        <option label='None'><value>none</value></option>
      </field>
      <field label='Password Required to Enter?' type='boolean' var='muc#roomconfig_passwordprotectedroom'><value>0</value></field>
      <field type='fixed'><value>If a password is required to enter this room, you must specify the password below.</value></field>
      <field label='Password' type='text-private' var='muc#roomconfig_roomsecret'/>
      <field label='Full List of Room Admins' type='jid-multi' var='muc#roomconfig_roomadmins'>
        <desc>Room admins may kick and ban.</desc>
      </field>
    </x>
  </query>
</iq>`) as unknown as Element;

/** XEP-0077 Example 8: a registration form with required fields. */
const REGISTER = parse(`<iq type='result' from='marlowe.shakespeare.lit' to='juliet@capulet.com' id='reg3'>
  <query xmlns='jabber:iq:register'>
    <instructions>Use the enclosed form to register. If your Jabber client does not support Data Forms, visit http://www.shakespeare.lit/contests.php</instructions>
    <x xmlns='jabber:x:data' type='form'>
      <title>Contest Registration</title>
      <instructions>Please provide the following information to sign up for our special contests!</instructions>
      <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register</value></field>
      <field type='text-single' label='Given Name' var='first'><required/></field>
      <field type='text-single' label='Family Name' var='last'><required/></field>
      <field type='text-single' label='Email Address' var='email'><required/></field>
      <field type='list-single' label='Gender' var='x-gender'>
        <option label='Male'><value>M</value></option>
        <option label='Female'><value>F</value></option>
      </field>
    </x>
  </query>
</iq>`) as unknown as Element;

/** XEP-0158 Example 2: a CAPTCHA whose image is carried as Bits of Binary (XEP-0231) beside the form. */
const CAPTCHA = parse(`<message from='chat.shakespeare.lit' id='F3A6292C' to='bard@shakespeare.lit/globe'>
  <captcha xmlns='urn:xmpp:captcha'>
    <x xmlns='jabber:x:data' type='form'>
      <field type='hidden' var='FORM_TYPE'><value>urn:xmpp:captcha</value></field>
      <field type='hidden' var='from'><value>innocent@victim.com</value></field>
      <field type='hidden' var='challenge'><value>F3A6292C</value></field>
      <field label='Enter the text you see' var='ocr'>
        <media xmlns='urn:xmpp:media-element' height='80' width='290'>
          <uri type='image/jpeg'>http://www.victim.com/challenges/ocr.jpeg?F3A6292C</uri>
          <uri type='image/jpeg'>cid:sha1+f24030b8d91d233bac14777be5ab531ca3b9f102@bob.xmpp.org</uri>
        </media>
      </field>
    </x>
  </captcha>
  <data xmlns='urn:xmpp:bob' cid='sha1+f24030b8d91d233bac14777be5ab531ca3b9f102@bob.xmpp.org' type='image/jpeg' max-age='86400'>
    /9j/4AAQSkZJ
    RgABAQ==
  </data>
</message>`) as unknown as Element;

const roomconfig = () => parseForm(x(ROOMCONFIG.getChild('query')!))!;

describe('data forms (XEP-0004)', () => {
  it('parses the room configuration form of XEP-0045 with every field type it uses', () => {
    const form = roomconfig();
    expect(form.type).to.equal('form');
    expect(form.formType).to.equal('http://jabber.org/protocol/muc#roomconfig');
    expect(form.title).to.equal('Configuration for "coven" Room');
    expect(form.instructions).to.have.length(1);
    expect(form.fields.map((f) => f.type)).to.deep.equal([
      'hidden', 'text-single', 'text-single', 'boolean', 'boolean', 'list-multi', 'list-single', 'boolean', 'fixed', 'text-private', 'jid-multi',
    ]);
    const presence = form.fields.find((f) => f.var === 'muc#roomconfig_presencebroadcast')!;
    expect(presence.values).to.deep.equal(['moderator', 'participant', 'visitor']);
    expect(presence.options).to.deep.equal([
      { value: 'moderator', label: 'Moderator' }, { value: 'participant', label: 'Participant' }, { value: 'visitor', label: 'Visitor' },
    ]);
    const fixed = form.fields[8]!;
    expect(fixed.var).to.equal(undefined);
    expect(fixed.values[0]).to.match(/^If a password is required/);
    expect(form.fields.at(-1)!.desc).to.equal('Room admins may kick and ban.');
  });

  it('answers it with FORM_TYPE, the changed values and the defaults of the rest', () => {
    const answer = buildSubmit(roomconfig(), {
      'muc#roomconfig_roomname': ['A Dark Cave'],
      'muc#roomconfig_enablelogging': ['1'],
      'muc#roomconfig_presencebroadcast': ['moderator'],
      'muc#roomconfig_roomadmins': ['wiccarocks@shakespeare.lit', 'hecate@shakespeare.lit'],
    });
    expect(answer.toString()).to.equal(
      `<x xmlns="jabber:x:data" type="submit">` +
        `<field var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field>` +
        `<field var="muc#roomconfig_roomname"><value>A Dark Cave</value></field>` +
        `<field var="muc#roomconfig_roomdesc"/>` +
        `<field var="muc#roomconfig_enablelogging"><value>1</value></field>` +
        `<field var="muc#roomconfig_changesubject"><value>0</value></field>` +
        `<field var="muc#roomconfig_presencebroadcast"><value>moderator</value></field>` +
        `<field var="muc#roomconfig_maxusers"><value>20</value></field>` +
        `<field var="muc#roomconfig_passwordprotectedroom"><value>0</value></field>` +
        `<field var="muc#roomconfig_roomsecret"/>` +
        `<field var="muc#roomconfig_roomadmins"><value>wiccarocks@shakespeare.lit</value><value>hecate@shakespeare.lit</value></field>` +
        `</x>`,
    );
  });

  it('refuses values that do not answer it: a choice not offered, a boolean that is none, a non-address, two values for one', () => {
    const errors = validateForm(roomconfig(), {
      'muc#roomconfig_maxusers': ['7'],
      'muc#roomconfig_enablelogging': ['maybe'],
      'muc#roomconfig_roomadmins': ['not an address'],
      'muc#roomconfig_roomname': ['a', 'b'],
    });
    expect(Object.keys(errors).sort()).to.deep.equal([
      'muc#roomconfig_enablelogging', 'muc#roomconfig_maxusers', 'muc#roomconfig_roomadmins', 'muc#roomconfig_roomname',
    ]);
    expect(() => buildSubmit(roomconfig(), { 'muc#roomconfig_maxusers': ['7'] })).to.throw(FormError);
  });

  it('parses the registration form of XEP-0077 and requires its required fields', () => {
    const form = parseForm(x(REGISTER.getChild('query')!))!;
    expect(form.formType).to.equal('jabber:iq:register');
    expect(form.fields.filter((f) => f.required).map((f) => f.label)).to.deep.equal(['Given Name', 'Family Name', 'Email Address']);
    expect(validateForm(form, { first: ['Juliet'], last: [''] })).to.deep.equal({ last: 'Required.', email: 'Required.' });
    expect(buildSubmit(form, { first: ['Juliet'], last: ['Capulet'], email: ['juliet@capulet.com'], 'x-gender': ['F'] }).toString()).to.equal(
      `<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>jabber:iq:register</value></field>` +
        `<field var="first"><value>Juliet</value></field><field var="last"><value>Capulet</value></field>` +
        `<field var="email"><value>juliet@capulet.com</value></field><field var="x-gender"><value>F</value></field></x>`,
    );
  });

  it('shows a CAPTCHA image only from the stanza itself, never from a remote address', () => {
    const form = parseForm(x(CAPTCHA.getChild('captcha')!), CAPTCHA)!;
    const ocr = form.fields.find((f) => f.var === 'ocr')!;
    expect(ocr.type).to.equal('text-single');
    expect(ocr.media).to.deep.equal({ type: 'image/jpeg', uri: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==', width: 290, height: 80 });
    expect(ocr.link).to.equal(undefined);
    // Without the Bits of Binary the only image left is remote: none is shown, its address is a link for the user.
    const remote = parseForm(x(CAPTCHA.getChild('captcha')!))!.fields.find((f) => f.var === 'ocr')!;
    expect(remote.media).to.equal(undefined);
    expect(remote.link).to.equal('http://www.victim.com/challenges/ocr.jpeg?F3A6292C');
    // Hidden fields go back exactly as they came.
    expect(buildSubmit(form, { ocr: ['7nHL3'], challenge: ['forged'] }).toString()).to.contain(
      `<field var="challenge"><value>F3A6292C</value></field><field var="ocr"><value>7nHL3</value></field>`,
    );
  });

  it('drops what no server means: unnamed inputs, repeated names, one value too many, not a form', () => {
    const form = parseForm(parse(`<x xmlns='jabber:x:data' type='form'>
      <field type='text-single'><value>no name</value></field>
      <field var='a' type='text-single'><value>1</value></field>
      <field var='a' type='text-single'><value>2</value></field>
      <field var='b' type='boolean'><value>1</value><value>0</value></field>
      <field var='c' type='no-such-type'><value>x</value></field>
    </x>`) as unknown as Element) as DataForm;
    expect(form.fields.map((f) => [f.var, f.type, f.values])).to.deep.equal([['a', 'text-single', ['1']], ['c', 'text-single', ['x']]]);
    expect(parseForm(parse(`<x xmlns='jabber:x:data' type='weird'/>`) as unknown as Element)).to.equal(null);
    expect(parseForm(parse(`<x xmlns='jabber:x:oob'/>`) as unknown as Element)).to.equal(null);
  });

  it('cancels', () => {
    expect(buildCancel().toString()).to.equal(`<x xmlns="jabber:x:data" type="cancel"/>`);
  });
});
