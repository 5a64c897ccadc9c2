// Booking and one appointment: the booking form (times in the staff member's zone), and for a
// booked appointment the interpreter suggestions with the reasons (and why the others do not
// fit), rescheduling, join tokens shown once with copy buttons, and cancelling. A booking that
// clashes is refused by tolkd with the participant it clashes for, shown next to that field.

import { api } from '../api.js';
import { announce, confirmDialog, h, newId, replace } from '../dom.js';
import { errorMessage, Form } from '../forms.js';
import { t } from '../i18n.js';
import * as names from '../names.js';
import { formatDateTime, isDate, isTime, localParts, timeZone, today } from '../time.js';

const CONFLICTS = () => ({
  clinician_id: t('booking.clinician_busy'),
  interpreter_id: t('booking.interpreter_busy'),
  relief_interpreter_id: t('booking.relief_busy'),
});

// Date, from and to controls; their values as local times, or errors.
function timeControls(form, { date = today(), from = '09:00', to = '10:00' } = {}) {
  return h('div', { class: 'row' },
    form.control('date', 'date', t('booking.date'), { value: date, required: true }),
    form.control('time', 'from', t('booking.from'), { value: from, required: true }),
    form.control('time', 'to', t('booking.to'), { value: to, required: true }));
}

function readTimes(form) {
  const errors = {};
  const date = form.value('date');
  const from = form.value('from');
  const to = form.value('to');
  if (!isDate(date)) errors.date = t('error.date');
  if (!isTime(from)) errors.from = t('error.time');
  if (!isTime(to)) errors.to = t('error.time');
  else if (isTime(from) && to <= from) errors.to = t('error.end_before_start');
  return { errors, starts_at: `${date}T${from}`, ends_at: `${date}T${to}` };
}

const TIME_FIELDS = { starts_at: 'from', ends_at: 'to' };

export async function bookView(node, { query, go, isCurrent }) {
  const [clinicians, first] = await Promise.all([
    names.clinicianList(), api('GET', '/clients', { query: { limit: 50 } })]);
  if (!isCurrent()) return;
  const titleId = 'book-title';
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('booking.book'),
    failOptions: { fields: { client_id: 'client_id', clinician_id: 'clinician_id', mode: 'mode', ...TIME_FIELDS }, conflicts: CONFLICTS() },
    onSubmit: async (f) => {
      const times = readTimes(f);
      const errors = { ...times.errors };
      if (!f.value('client_id')) errors.client_id = t('booking.choose_client');
      if (!f.value('clinician_id')) errors.clinician_id = t('booking.choose_clinician');
      if (f.show(errors)) return;
      const booked = await api('POST', '/appointments', {
        body: {
          client_id: Number(f.value('client_id')), clinician_id: Number(f.value('clinician_id')),
          mode: f.value('mode'), starts_at: times.starts_at, ends_at: times.ends_at, time_zone: timeZone(),
        },
      });
      announce(t('booking.booked'));
      go(`appointments/${booked.id}`);
    },
  });
  const clientOptions = (clients) => [{ value: '', text: clients.length ? t('form.choose') : t('booking.no_clients') },
    ...clients.map((c) => ({ value: c.id, text: c.alias }))];
  for (const c of first.clients) names.rememberAlias(c.id, c.alias);
  const clientField = form.control('select', 'client_id', t('booking.client'), {
    required: true, value: query.get('client') || '', options: clientOptions(first.clients),
  });
  const findId = newId('find-client');
  const find = h('input', { id: findId, type: 'search', maxlength: 64, 'aria-controls': form.input('client_id').id });
  let latest = 0;
  find.addEventListener('input', async () => {
    const ticket = ++latest;
    const data = await api('GET', '/clients', { query: { q: find.value.trim(), limit: 50 } }).catch(() => null);
    if (!data || ticket !== latest) return;
    const select = form.input('client_id');
    const keep = select.value;
    replace(select, clientOptions(data.clients).map((o) => h('option', { value: o.value, text: o.text, selected: String(o.value) === keep })));
    if (data.clients.length === 1) select.value = String(data.clients[0].id);
  });
  form.add(
    h('div', { class: 'field' }, h('label', { for: findId, text: t('booking.find_client') }), find),
    clientField,
    form.control('select', 'clinician_id', t('booking.clinician'), {
      required: true,
      options: [{ value: '', text: clinicians.length ? t('form.choose') : t('booking.no_clinicians') },
        ...clinicians.map((c) => ({ value: c.id, text: names.clinicianName(c.id) }))],
    }),
    form.control('select', 'mode', t('booking.mode'), {
      options: [{ value: 'consecutive', text: t('mode.consecutive') }, { value: 'simultaneous', text: t('mode.simultaneous') }],
      hint: t('booking.mode_hint'),
    }),
    h('p', { class: 'hint', text: t('booking.zone_note', { zone: timeZone() }) }),
    timeControls(form),
    h('p', { class: 'hint', text: t('booking.interpreter_next') }),
    form.actions());
  replace(node, h('h1', { id: titleId, text: t('booking.title') }), form.node);
  find.focus();
}

export async function appointmentView(node, { args, go, isCurrent }) {
  const id = args[0];
  const a = await api('GET', `/appointments/${id}`, { query: { tz: timeZone() } });
  await Promise.all([names.loadAliases([a.client_id]), names.clinicianList(), names.interpreterList()]);
  if (!isCurrent()) return;
  const booked = a.status === 'booked';
  const titleId = 'appointment-title';
  const parts = [
    h('h1', { id: titleId, text: t('appointment.title', { alias: names.clientName(a.client_id) }) }),
    summary(a),
  ];
  if (!booked) {
    parts.push(h('p', { class: 'notice', text: t('appointment.is_cancelled') }));
  } else {
    parts.push(await interpreterSection(a, go), rescheduleSection(a, go), tokensSection(a), cancelSection(a, go));
  }
  parts.push(h('p', {}, h('a', { href: `#/calendar?view=week&date=${localParts(a.starts_at).date}`, text: t('appointment.to_calendar') })));
  if (!isCurrent()) return;
  replace(node, ...parts);
}

function summary(a) {
  const row = (label, value) => [h('dt', { text: label }), h('dd', { text: value })];
  return h('dl', { class: 'summary' },
    row(t('appointment.status'), t(`status.${a.status}`)),
    row(t('appointment.when'), `${formatDateTime(a.starts_at)} – ${formatDateTime(a.ends_at)}`),
    row(t('appointment.client'), names.clientName(a.client_id)),
    row(t('appointment.clinician'), names.clinicianName(a.clinician_id)),
    row(t('appointment.interpreter'), names.interpreterName(a.interpreter_id)),
    a.relief_interpreter_id ? row(t('appointment.relief'), names.interpreterName(a.relief_interpreter_id)) : [],
    row(t('appointment.mode'), t(`mode.${a.mode}`)));
}

// Suggestions best first, each with why it fits and an Assign button; then who does not fit.
async function interpreterSection(a, go) {
  const titleId = 'interpreter-section';
  const alert = h('p', { class: 'form-error', role: 'alert', hidden: true, tabindex: -1 });
  let data;
  try {
    data = await api('GET', `/appointments/${a.id}/suggestions`);
  } catch (error) {
    const message = error.code === 'conflict' ? t('suggestions.no_clinician_profile') : errorMessage(error);
    return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('suggestions.title') }),
      h('p', { class: 'form-error', role: 'alert', text: message }));
  }
  async function assign(interpreterId, button) {
    alert.hidden = true;
    button.disabled = true;
    try {
      // Removing the interpreter removes a relief too: a relief needs an interpreter.
      const body = interpreterId === null && a.relief_interpreter_id
        ? { interpreter_id: null, relief_interpreter_id: null }
        : { interpreter_id: interpreterId };
      await api('PATCH', `/appointments/${a.id}`, { body });
      announce(interpreterId === null ? t('suggestions.removed') : t('suggestions.assigned', { code: names.interpreterName(interpreterId) }));
      go(`appointments/${a.id}`);
    } catch (error) {
      alert.textContent = error.code === 'conflict' ? (CONFLICTS()[error.field] ?? errorMessage(error)) : errorMessage(error);
      alert.hidden = false;
      alert.focus();
      button.disabled = false;
    }
  }
  const suggestions = data.suggestions.map((s) => {
    const current = s.interpreter_id === a.interpreter_id;
    const button = h('button', { type: 'button', text: current ? t('suggestions.assigned_now') : t('suggestions.assign', { code: s.code }), disabled: current });
    button.addEventListener('click', () => assign(s.interpreter_id, button));
    return h('li', { class: 'suggestion' }, h('span', { class: 'code', text: s.code }), ' ',
      h('span', { class: 'reason', text: t(`suggestions.reason.${s.reason}`) }), ' ', button);
  });
  const rejected = data.rejected.map((r) => h('li', {}, `${r.code}: ${t(`suggestions.rejected.${r.reason}`)}`));
  const unassign = h('button', { type: 'button', class: 'secondary', text: t('suggestions.remove') });
  unassign.addEventListener('click', () => assign(null, unassign));
  return h('section', { 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: t('suggestions.title') }), alert,
    suggestions.length ? h('ol', { class: 'list suggestions' }, suggestions) : h('p', { class: 'empty', text: t('suggestions.none') }),
    a.interpreter_id !== null ? h('p', {}, unassign) : null,
    rejected.length ? h('details', {}, h('summary', { text: t('suggestions.rejected_title', { n: rejected.length }) }), h('ul', { class: 'list' }, rejected)) : null);
}

function rescheduleSection(a, go) {
  const titleId = 'reschedule-title';
  const start = localParts(a.starts_at);
  const end = localParts(a.ends_at);
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('reschedule.save'),
    failOptions: { fields: TIME_FIELDS, conflicts: CONFLICTS() },
    onSubmit: async (f) => {
      const times = readTimes(f);
      if (f.show(times.errors)) return;
      await api('PATCH', `/appointments/${a.id}`, { body: { starts_at: times.starts_at, ends_at: times.ends_at, time_zone: timeZone() } });
      announce(t('reschedule.done'));
      go(`appointments/${a.id}`);
    },
  });
  form.add(timeControls(form, { date: start.date, from: start.time, to: end.time }),
    h('p', { class: 'hint', text: t('reschedule.hint') }), form.actions());
  return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('reschedule.title') }), form.node);
}

// Issues join tokens and shows them once, each with a copy button.
function tokensSection(a) {
  const titleId = 'tokens-title';
  const output = h('div', { class: 'tokens', 'aria-live': 'polite' });
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('tokens.issue'),
    failOptions: { conflict: t('tokens.cancelled') },
    onSubmit: async (f) => {
      const data = await api('POST', `/appointments/${a.id}/tokens`, { body: { support_person: f.value('support_person') } });
      replace(output, h('p', { class: 'notice', text: t('tokens.once') }),
        h('ul', { class: 'list' }, data.tokens.map((tok) => tokenRow(tok))));
      output.querySelector('input')?.focus();
    },
  });
  form.add(h('p', { class: 'hint', text: t('tokens.hint') }),
    form.control('checkbox', 'support_person', t('tokens.support_person')), form.actions());
  return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('tokens.title') }), form.node, output);
}

// The role a token is for, as people say it: a relief interpreter's token has role interpreter.
function tokenRole(tok) {
  return tok.relief ? t('role.relief_interpreter') : t(`role.${tok.role}`);
}

function tokenRow(tok) {
  const id = newId('token');
  const input = h('input', { id, type: 'text', readonly: true, value: tok.token, class: 'token', spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'secondary', text: t('tokens.copy'), 'aria-label': t('tokens.copy_for', { role: tokenRole(tok) }) });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(tok.token);
      announce(t('tokens.copied', { role: tokenRole(tok) }));
    } catch {
      input.select();
      announce(t('tokens.copy_failed'));
    }
  });
  return h('li', { class: 'token-row' },
    h('label', { for: id, text: t('tokens.for', { role: tokenRole(tok) }) }), input, copy,
    h('p', { class: 'hint', text: t('tokens.valid', { from: formatDateTime(tok.valid_from), until: formatDateTime(tok.valid_until) }) }));
}

function cancelSection(a, go) {
  const titleId = 'cancel-title';
  const alert = h('p', { class: 'form-error', role: 'alert', hidden: true, tabindex: -1 });
  const button = h('button', { type: 'button', class: 'danger', text: t('cancel.button') });
  button.addEventListener('click', async () => {
    const yes = await confirmDialog({ title: t('cancel.confirm_title'), text: t('cancel.confirm_text'), yes: t('cancel.confirm_yes'), no: t('cancel.confirm_no') });
    if (!yes) return;
    try {
      await api('POST', `/appointments/${a.id}/cancel`);
      announce(t('cancel.done'));
      go(`appointments/${a.id}`);
    } catch (error) {
      alert.textContent = errorMessage(error);
      alert.hidden = false;
      alert.focus();
    }
  });
  return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('cancel.title') }),
    h('p', { class: 'hint', text: t('cancel.hint') }), alert, h('p', {}, button));
}
