// Interpreters: the list (display codes, never names), and a profile's languages, weekly
// availability and exceptions. Each form is one request, so a failure never leaves half a
// change: the profile, the weekly hours and each exception are saved on their own.

import { api } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { Form, looksLikeLanguageTag } from '../forms.js';
import { t } from '../i18n.js';
import * as names from '../names.js';
import { formatDateTime, isDate, isTime, timeZone } from '../time.js';
import { rowList, slotList, zoneOptions } from './common.js';

export async function interpretersView(node, { isCurrent }) {
  const list = await names.interpreterList(true);
  if (!isCurrent()) return;
  replace(node, h('h1', { text: t('interpreters.title') }),
    h('p', {}, h('a', { class: 'button', href: '#/interpreters/new', text: t('interpreters.new') })),
    list.length
      ? h('ul', { class: 'list' }, list.map((i) => h('li', {}, h('a', { href: `#/interpreters/${i.id}`, text: i.code }), h('span', { class: 'id', text: ` #${i.id}` }))))
      : h('p', { class: 'empty', text: t('interpreters.none') }));
}

function genderOptions() {
  return [{ value: '', text: t('gender.not_given') }, { value: 'f', text: t('gender.f') },
    { value: 'm', text: t('gender.m') }, { value: 'x', text: t('gender.x') }];
}

function pairList(form, pairs) {
  return rowList(form, 'language_pairs', t('interpreter.language_pairs'), {
    values: pairs, min: 1, max: 16, addLabel: t('interpreter.add_pair'), hint: t('interpreter.pairs_hint'),
    make: (i, p) => [
      form.control('text', `pair_a_${i}`, t('interpreter.pair_a', { n: i + 1 }), { value: p?.a, attrs: { maxlength: 35, autocapitalize: 'none' } }),
      form.control('text', `pair_b_${i}`, t('interpreter.pair_b', { n: i + 1 }), { value: p?.b, attrs: { maxlength: 35, autocapitalize: 'none' } }),
    ],
    read: (i) => {
      const a = form.value(`pair_a_${i}`).trim();
      const b = form.value(`pair_b_${i}`).trim();
      if (!a && !b) return null;
      const errors = {};
      if (!looksLikeLanguageTag(a)) errors[`pair_a_${i}`] = t('error.language_tag');
      if (!looksLikeLanguageTag(b)) errors[`pair_b_${i}`] = t('error.language_tag');
      return Object.keys(errors).length ? { errors } : { value: { a, b } };
    },
  });
}

// The profile's fields (all but the account and the slots) from FORM, or errors.
function readProfile(form, pairs) {
  const errors = {};
  const code = form.value('code').trim().toUpperCase();
  if (!code) errors.code = t('interpreter.code_required');
  else if (!/^[A-Z0-9-]{1,16}$/.test(code)) errors.code = t('interpreter.code_invalid');
  const p = pairs.read();
  Object.assign(errors, p.errors);
  if (!p.values.length && !Object.keys(p.errors).length) errors.language_pairs = t('interpreter.pair_required');
  return { errors, body: { code, gender: form.value('gender') || null, time_zone: form.value('time_zone'), language_pairs: p.values } };
}

export async function interpreterView(node, { args, go, isCurrent }) {
  const isNew = args[0] === 'new';
  const profile = isNew ? null : await api('GET', `/interpreters/${args[0]}`);
  if (!isCurrent()) return;
  const titleId = 'interpreter-title';
  const failOptions = {
    fields: { account_id: 'account_id', code: 'code', time_zone: 'time_zone', language_pairs: 'language_pairs', availability: 'availability', slots: 'availability' },
    conflicts: { code: t('interpreter.code_taken'), account_id: t('interpreter.has_profile') },
    badField: { account_id: t('interpreter.account_invalid') },
  };
  let pairs;
  let slots;
  const form = new Form({
    labelledBy: titleId,
    submitLabel: isNew ? t('interpreter.create') : t('interpreter.save'),
    failOptions,
    onSubmit: async (f) => {
      const { errors, body } = readProfile(f, pairs);
      const accountId = Number(f.value('account_id'));
      if (isNew && !(accountId > 0)) errors.account_id = t('interpreter.account_required');
      const s = isNew ? slots.read() : { values: [], errors: {} };
      Object.assign(errors, s.errors);
      if (f.show(errors)) return;
      const saved = isNew
        ? await api('POST', '/interpreters', { body: { account_id: accountId, ...body, availability: s.values } })
        : await api('PATCH', `/interpreters/${profile.id}`, { body });
      await names.interpreterList(true);
      announce(t('interpreter.saved', { code: saved.code }));
      go(`interpreters/${saved.id}`);
    },
  });
  pairs = pairList(form, profile?.language_pairs || []);
  form.add(
    isNew ? form.control('number', 'account_id', t('interpreter.account'), { required: true, hint: t('interpreter.account_hint'), attrs: { min: 1, step: 1 } }) : null,
    form.control('text', 'code', t('interpreter.code'), { value: profile?.code, required: true, hint: t('interpreter.code_hint'), attrs: { maxlength: 16, autocapitalize: 'characters' } }),
    form.control('select', 'gender', t('interpreter.gender'), { value: profile?.gender ?? '', options: genderOptions() }),
    form.control('select', 'time_zone', t('interpreter.time_zone'), { value: profile?.time_zone ?? timeZone(), options: zoneOptions(), hint: t('interpreter.time_zone_hint') }),
    pairs.node);
  if (isNew) {
    slots = slotList(form, 'availability', t('interpreter.availability'), [], t('interpreter.availability_hint'));
    form.add(slots.node);
  }
  form.add(form.actions(h('a', { href: '#/interpreters', class: 'button secondary', text: t('form.back') })));
  const parts = [h('h1', { id: titleId, text: isNew ? t('interpreter.new_title') : t('interpreter.edit_title', { code: profile.code }) }), form.node];
  if (!isNew) parts.push(availabilityForm(profile, go, failOptions), exceptionsSection(profile, go));
  replace(node, ...parts);
  (form.input('account_id') || form.input('code')).focus();
}

function availabilityForm(profile, go, failOptions) {
  const titleId = 'availability-title';
  let slots;
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('interpreter.save_availability'),
    failOptions,
    onSubmit: async (f) => {
      const s = slots.read();
      if (f.show(s.errors)) return;
      await api('PUT', `/interpreters/${profile.id}/availability`, { body: { slots: s.values } });
      announce(t('interpreter.availability_saved'));
      go(`interpreters/${profile.id}`);
    },
  });
  slots = slotList(form, 'availability', t('interpreter.availability_in', { zone: profile.time_zone }), profile.availability);
  form.add(slots.node, form.actions());
  return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('interpreter.availability') }), form.node);
}

function exceptionsSection(profile, go) {
  const titleId = 'exceptions-title';
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('exception.add'),
    failOptions: { fields: { starts_at: 'from_date', ends_at: 'to_date' }, conflict: t('exception.too_many') },
    onSubmit: async (f) => {
      const errors = {};
      for (const k of ['from', 'to']) {
        if (!isDate(f.value(`${k}_date`))) errors[`${k}_date`] = t('error.date');
        if (!isTime(f.value(`${k}_time`))) errors[`${k}_time`] = t('error.time');
      }
      const from = `${f.value('from_date')}T${f.value('from_time')}`;
      const to = `${f.value('to_date')}T${f.value('to_time')}`;
      if (!Object.keys(errors).length && to <= from) errors.to_date = t('error.end_before_start');
      if (f.show(errors)) return;
      await api('POST', `/interpreters/${profile.id}/exceptions`, { body: { starts_at: from, ends_at: to, time_zone: timeZone() } });
      announce(t('exception.added'));
      go(`interpreters/${profile.id}`);
    },
  });
  form.add(
    h('p', { class: 'hint', text: t('exception.zone_note', { zone: timeZone() }) }),
    h('div', { class: 'row' },
      form.control('date', 'from_date', t('exception.from_date'), { required: true }),
      form.control('time', 'from_time', t('exception.from_time'), { value: '00:00', required: true })),
    h('div', { class: 'row' },
      form.control('date', 'to_date', t('exception.to_date'), { required: true }),
      form.control('time', 'to_time', t('exception.to_time'), { value: '00:00', required: true })),
    form.actions());
  const list = profile.exceptions.length
    ? h('ul', { class: 'list' }, profile.exceptions.map((e) => h('li', { text: t('exception.range', { from: formatDateTime(e.starts_at), to: formatDateTime(e.ends_at) }) })))
    : h('p', { class: 'empty', text: t('exception.none') });
  return h('section', { 'aria-labelledby': titleId }, h('h2', { id: titleId, text: t('exception.title') }),
    h('p', { class: 'hint', text: t('exception.hint') }), list, form.node);
}
