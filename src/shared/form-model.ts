/**
 * The plain-data side of data forms (XEP-0004): the model a parsed form becomes (src/shared/forms.ts
 * parses and answers the XML) and the check of a user's values against it. Pages import only this,
 * so the XML library stays out of their bundle.
 */

export type FieldType =
  | 'boolean' | 'fixed' | 'hidden' | 'jid-multi' | 'jid-single' | 'list-multi' | 'list-single'
  | 'text-multi' | 'text-private' | 'text-single';

export const TYPES: readonly FieldType[] = [
  'boolean', 'fixed', 'hidden', 'jid-multi', 'jid-single', 'list-multi', 'list-single', 'text-multi', 'text-private', 'text-single',
];
export const MULTI: readonly FieldType[] = ['jid-multi', 'list-multi', 'text-multi'];

/** An image to show with a field (a CAPTCHA), as a URI a page may load. */
export interface FormMedia {
  width?: number;
  height?: number;
  type: string;
  uri: string;
}

export interface FormOption {
  label?: string;
  value: string;
}

export interface FormField {
  /** Absent only on `fixed` fields (text to show). */
  var?: string;
  type: FieldType;
  label?: string;
  desc?: string;
  required: boolean;
  /** The default (form) or the value (result). */
  values: string[];
  options: FormOption[];
  media?: FormMedia;
  /**
   * Where the field's media came only as an http(s) address (a CAPTCHA challenge on a web page,
   * XEP-0158): shown as a link the user opens themselves, never loaded by Parley.
   */
  link?: string;
}

export interface DataForm {
  type: 'form' | 'result' | 'submit' | 'cancel';
  /** The hidden FORM_TYPE field's value: which kind of form this is (e.g. muc#roomconfig). */
  formType?: string;
  title?: string;
  instructions: string[];
  fields: FormField[];
}

/** Field values as a user gave them: every value of a field, by its `var`. */
export type FormValues = Readonly<Record<string, readonly string[]>>;

const isJid = (s: string) => /^(?:[^@/\s"&'<>:]+@)?[^@/\s]+(?:\/.+)?$/.test(s);

/**
 * What is wrong with `values` as an answer to `form`, by field `var` (empty when nothing is): a
 * required field left empty, several values where one belongs, a boolean that is none, an address
 * that is none, a choice not offered.
 */
export function validateForm(form: DataForm, values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of form.fields) {
    if (!field.var || field.type === 'fixed' || field.type === 'hidden') continue;
    const given = (values[field.var] ?? field.values).filter((v) => v !== '');
    const error = fieldError(field, given);
    if (error) errors[field.var] = error;
  }
  return errors;
}

function fieldError(field: FormField, given: readonly string[]): string | undefined {
  if (field.required && given.length === 0) return 'Required.';
  if (!MULTI.includes(field.type) && given.length > 1) return 'Only one value is allowed.';
  if (field.type === 'boolean' && given.some((v) => !['0', '1', 'true', 'false'].includes(v))) return 'Must be yes or no.';
  if ((field.type === 'jid-single' || field.type === 'jid-multi') && given.some((v) => !isJid(v))) return 'Not an address (name@example.org).';
  const offered = field.options.map((o) => o.value);
  if ((field.type === 'list-single' || field.type === 'list-multi') && offered.length && given.some((v) => !offered.includes(v))) {
    return 'Not one of the choices.';
  }
  return undefined;
}
