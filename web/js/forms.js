// Forms with a label on every control, a hint and an error message tied to it
// (aria-describedby), inline errors next to the field they are about, and one alert at the top
// for what belongs to no field. Errors from the API are turned into the catalogue's words from
// its stable code and field; the API's own message is never shown.

import { h, newId } from './dom.js';
import { t } from './i18n.js';

export class Form {
  // ON_SUBMIT(form) runs on submit; its ApiError is shown through FAIL_OPTIONS (see fail()).
  constructor({ onSubmit, submitLabel, className = '', failOptions = {}, labelledBy } = {}) {
    this.controls = new Map();
    this.failOptions = failOptions;
    this.alert = h('p', { class: 'form-error', role: 'alert', hidden: true });
    this.submit = h('button', { type: 'submit', text: submitLabel });
    this.node = h('form', { class: `form ${className}`, novalidate: true, 'aria-labelledby': labelledBy },
      this.alert);
    this.node.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (this.busy) return;
      this.clear();
      this.busy = true;
      this.submit.disabled = true;
      try {
        await onSubmit(this);
      } catch (error) {
        this.fail(error);
      } finally {
        this.busy = false;
        this.submit.disabled = false;
      }
    });
  }

  // Registers a control: NAME is how errors find it.
  register(name, input, error, wrap) {
    this.controls.set(name, { input, error, wrap });
    // a message about a field goes once the field is changed (a fieldset hears its controls)
    const forget = () => {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    };
    input.addEventListener('input', forget);
    input.addEventListener('change', forget);
  }

  // A labelled control of KIND (input type, 'select', 'textarea' or 'checkbox').
  control(kind, name, label, { value = '', hint, options = [], required = false, attrs = {} } = {}) {
    const id = newId(name.replace(/[^a-z0-9]+/gi, '-'));
    const errorId = `${id}-error`;
    const hintId = hint ? `${id}-hint` : null;
    let input;
    if (kind === 'select') {
      input = h('select', { id, name, required, ...attrs },
        options.map((o) => h('option', { value: o.value, text: o.text, selected: String(o.value) === String(value) })));
    } else if (kind === 'textarea') {
      input = h('textarea', { id, name, required, rows: 3, ...attrs });
      input.value = value ?? '';
    } else if (kind === 'checkbox') {
      input = h('input', { id, name, type: 'checkbox', checked: Boolean(value), ...attrs });
    } else {
      input = h('input', { id, name, type: kind, required, ...attrs });
      input.value = value ?? '';
    }
    input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    const labelNode = h('label', { for: id, text: label });
    const hintNode = hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null;
    const error = h('p', { id: errorId, class: 'field-error', hidden: true });
    const wrap = kind === 'checkbox'
      ? h('div', { class: 'field checkbox' }, input, labelNode, hintNode, error)
      : h('div', { class: 'field' }, labelNode, hintNode, input, error);
    this.register(name, input, error, wrap);
    return wrap;
  }

  // A fieldset for a list (languages, slots, ...) whose errors are shown under its legend.
  group(name, legend, ...content) {
    const error = h('p', { id: newId(`${name}-error`), class: 'field-error', hidden: true });
    const wrap = h('fieldset', { class: 'group', 'aria-describedby': error.id },
      h('legend', { text: legend }), error, ...content);
    this.register(name, wrap, error, wrap);
    return wrap;
  }

  // Appends NODES to the form; null, undefined and false (a control left out) are skipped.
  add(...nodes) {
    this.node.append(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
  }

  input(name) {
    return this.controls.get(name)?.input;
  }

  value(name) {
    const input = this.input(name);
    if (!input) return undefined;
    return input.type === 'checkbox' ? input.checked : input.value;
  }

  actions(...extra) {
    return h('div', { class: 'actions' }, this.submit, ...extra);
  }

  clear() {
    this.alert.hidden = true;
    this.alert.textContent = '';
    for (const { input, error } of this.controls.values()) {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  }

  // Shows ERRORS ({name: message}); a name without a control goes to the alert. Focuses the
  // first field in error. Returns true if there were any.
  show(errors) {
    let first = null;
    for (const [name, message] of Object.entries(errors)) {
      const control = this.controls.get(name);
      if (!control) {
        this.general(message);
        continue;
      }
      control.error.textContent = message;
      control.error.hidden = false;
      control.input.setAttribute('aria-invalid', 'true');
      first ??= control.input;
    }
    if (first) (first.matches('fieldset') ? first.querySelector('input, select, button') || first : first).focus();
    else if (!this.alert.hidden) this.alert.focus();
    return Object.keys(errors).length > 0;
  }

  general(message) {
    this.alert.textContent = message;
    this.alert.hidden = false;
    this.alert.tabIndex = -1;
  }

  // Shows an ApiError. Options (this.failOptions): fields {apiField: controlName},
  // conflicts {apiField: message}, conflict (message for a 409 on no known field), badField
  // {apiField: message}.
  fail(error) {
    if (!error || error.status === undefined) {
      console.error(error);
      this.general(t('error.page'));
      return;
    }
    const o = this.failOptions;
    const name = (error.field && (o.fields?.[error.field] ?? error.field)) || null;
    const known = name && this.controls.has(name);
    let message = errorMessage(error);
    if (error.code === 'conflict') {
      message = o.conflicts?.[error.field] ?? o.conflict ?? message;
    } else if (error.code === 'bad_field' || error.code === 'missing_field') {
      message = o.badField?.[error.field] ?? timeMessage(error) ?? (known ? t('error.bad_field') : t('error.invalid'));
    }
    this.show({ [known ? name : '_form']: message });
  }
}

// The words for an error that is about no particular field.
export function errorMessage(error) {
  switch (error.code) {
    case 'network': return t('error.network');
    case 'forbidden': return t('error.forbidden');
    case 'not_found': return t('error.not_found');
    case 'conflict': return t('error.conflict');
    case 'too_large': return t('error.too_large');
    case 'unavailable': return t('error.unavailable');
    case 'rate_limited': return t('error.rate_limited', { seconds: error.retryAfter || 1 });
    case 'bad_field': case 'missing_field': case 'unknown_field': case 'bad_json': return t('error.invalid');
    default: return t('error.server');
  }
}

// A local time that tolkd refused because of a daylight-saving change, in our words.
function timeMessage(error) {
  if (!/^(starts_at|ends_at|from|to)$/.test(error.field || '')) return null;
  if (/does not exist/.test(error.detail)) return t('error.time_gap');
  if (/ambiguous/.test(error.detail)) return t('error.time_fold');
  return null;
}

// Byte length of TEXT in UTF-8, for the API's byte limits.
export function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

// A loose check of a BCP 47 tag (tolkd does the real one): "fa", "prs-AF", "sr-Latn-RS".
export function looksLikeLanguageTag(text) {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(text);
}
