import { LitElement, html, css, nothing, type TemplateResult } from 'lit';
import { validateForm, type DataForm, type FormField, type FormValues } from '../shared/form-model.js';
import { safeLink } from '../shared/card.js';
import { base } from './styles.js';

/** What every input of a field carries. */
interface Attrs {
  id: string;
  name: string;
  required: boolean;
  invalid: 'true' | 'false';
  describedBy: string | typeof nothing;
}

/**
 * Any data form (XEP-0004) the worker hands over: room configuration, room search, registration,
 * CAPTCHAs. Every input has its label, description and required state for assistive technology;
 * remote text is bound as text. Fires `parley-form-submit` (detail: `{ values }`, checked against
 * the form) or `parley-form-cancel`; the page passes the values on to the worker.
 */
export class ParleyForm extends LitElement {
  /** Focusing the element focuses its first input (a dialog showing it moves the keyboard there). */
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override properties = {
    form: { attribute: false },
    submitLabel: { type: String, attribute: 'submit-label' },
    errors: { state: true },
  };
  static override styles = [
    base,
    css`
      form { display: grid; gap: 0.75em; }
      .field { display: grid; gap: 0.25em; }
      .check { display: flex; gap: 0.5em; align-items: center; }
      fieldset { border: 1px solid var(--_line); border-radius: 6px; }
      .desc { font-size: 0.9em; }
      .buttons { display: flex; gap: 0.5em; }
      img { max-width: 100%; height: auto; }
      a { color: var(--_accent); overflow-wrap: anywhere; }
    `,
  ];

  declare form: DataForm | undefined;
  declare submitLabel: string;
  declare errors: Record<string, string>;

  constructor() {
    super();
    this.form = undefined;
    this.submitLabel = 'Submit';
    this.errors = {};
  }

  override render() {
    const form = this.form;
    if (!form) return nothing;
    return html`
      <form @submit=${this.submit} novalidate>
        ${form.title ? html`<h2 dir="auto">${form.title}</h2>` : nothing}
        ${form.instructions.map((i) => html`<p class="muted" dir="auto">${i}</p>`)}
        ${form.fields.map((f, i) => this.field(f, `f${i}`))}
        <div class="buttons">
          <button class="primary" type="submit">${this.submitLabel}</button>
          <button type="button" @click=${this.cancel}>Cancel</button>
        </div>
      </form>
    `;
  }

  private field(f: FormField, id: string): TemplateResult | typeof nothing {
    if (f.type === 'hidden') return nothing;
    if (f.type === 'fixed') return html`${f.values.map((v) => html`<p dir="auto">${v}</p>`)}`;
    const error = f.var ? this.errors[f.var] : undefined;
    const link = safeLink(f.link);
    const describedBy: string | typeof nothing = [f.desc ? `${id}-desc` : '', link ? `${id}-link` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || nothing;
    const label = f.label ?? f.var ?? '';
    const after = html`
      ${f.desc ? html`<span class="desc muted" id="${id}-desc" dir="auto">${f.desc}</span>` : nothing}
      ${error ? html`<span class="error" id="${id}-error" role="alert">${error}</span>` : nothing}
    `;
    const common: Attrs = { id, name: f.var ?? '', required: f.required, invalid: error ? 'true' : 'false', describedBy };
    if (f.type === 'boolean') {
      const on = ['1', 'true'].includes(f.values[0] ?? '');
      return html`<div class="field"><span class="check">
        <input type="checkbox" id=${id} name=${common.name} ?checked=${on} aria-required=${f.required ? 'true' : 'false'}
          aria-invalid=${common.invalid} aria-describedby=${describedBy} />
        <label for=${id} dir="auto">${label}</label></span>${after}</div>`;
    }
    if (f.type === 'list-multi' && f.options.length) {
      return html`<fieldset class="field" aria-describedby=${describedBy} aria-invalid=${common.invalid}>
        <legend dir="auto">${label}${f.required ? html` <span aria-hidden="true">*</span>` : nothing}</legend>
        ${f.options.map((o, n) => html`<span class="check"><input type="checkbox" id="${id}-${n}" name=${common.name} .value=${o.value}
          ?checked=${f.values.includes(o.value)} /><label for="${id}-${n}" dir="auto">${o.label ?? o.value}</label></span>`)}
        ${after}</fieldset>`;
    }
    return html`<div class="field">
      <label for=${id} dir="auto">${label}${f.required ? html` <span aria-hidden="true">*</span>` : nothing}</label>
      ${this.input(f, common)}${f.media ? html`<img src=${f.media.uri} alt=${`Image for "${label}"`}
        width=${f.media.width ?? nothing} height=${f.media.height ?? nothing} />` : nothing}${link
        ? html`<span class="desc" id="${id}-link">The challenge is on a web page, opened in a new tab:
            <a href=${link} target="_blank" rel="noopener noreferrer">${link}</a></span>`
        : nothing}${after}</div>`;
  }

  private input(f: FormField, c: Attrs) {
    if (f.type === 'list-single' && f.options.length) {
      return html`<select id=${c.id} name=${c.name} ?required=${c.required} aria-invalid=${c.invalid} aria-describedby=${c.describedBy}>
        ${c.required && !f.values.length ? html`<option value="" selected disabled>Choose…</option>` : nothing}
        ${!c.required ? html`<option value="" ?selected=${!f.values.length}></option>` : nothing}
        ${f.options.map((o) => html`<option .value=${o.value} ?selected=${f.values[0] === o.value}>${o.label ?? o.value}</option>`)}
      </select>`;
    }
    if (f.type === 'text-multi' || f.type === 'jid-multi' || f.type === 'list-multi') {
      // One value per line.
      return html`<textarea id=${c.id} name=${c.name} rows="3" ?required=${c.required} aria-invalid=${c.invalid}
        aria-describedby=${c.describedBy} dir="auto" .value=${f.values.join('\n')}></textarea>`;
    }
    const type = f.type === 'text-private' ? 'password' : 'text';
    return html`<input type=${type} id=${c.id} name=${c.name} ?required=${c.required} aria-invalid=${c.invalid}
      aria-describedby=${c.describedBy} dir="auto" .value=${f.values[0] ?? ''}
      autocomplete=${f.type === 'text-private' ? 'off' : nothing} />`;
  }

  /** The values the inputs hold now, by field, as the form model expects them. */
  private values(): Record<string, string[]> {
    const root = this.renderRoot;
    const values: Record<string, string[]> = {};
    for (const f of this.form?.fields ?? []) {
      if (!f.var || f.type === 'fixed' || f.type === 'hidden') continue;
      const inputs = [...root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('[name]')].filter((el) => el.name === f.var);
      if (f.type === 'boolean') values[f.var] = [(inputs[0] as HTMLInputElement | undefined)?.checked ? '1' : '0'];
      else if (f.type === 'list-multi' && f.options.length) values[f.var] = inputs.filter((el) => (el as HTMLInputElement).checked).map((el) => el.value);
      else if (f.type === 'text-multi') values[f.var] = inputs[0]?.value ? inputs[0].value.split('\n') : [];
      // Addresses and choices typed one per line: blank lines and stray spaces are nothing.
      else if (inputs[0] instanceof HTMLTextAreaElement) values[f.var] = inputs[0].value.split('\n').map((v) => v.trim()).filter(Boolean);
      else values[f.var] = inputs[0]?.value ? [inputs[0].value] : [];
    }
    return values;
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    if (!this.form) return;
    const values: FormValues = this.values();
    this.errors = validateForm(this.form, values);
    if (Object.keys(this.errors).length) {
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    this.dispatchEvent(new CustomEvent('parley-form-submit', { detail: { values }, bubbles: true, composed: true }));
  }

  private cancel(): void {
    this.dispatchEvent(new CustomEvent('parley-form-cancel', { bubbles: true, composed: true }));
  }
}
customElements.define('parley-form', ParleyForm);
