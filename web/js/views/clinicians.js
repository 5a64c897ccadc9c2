// Clinicians: the list (by id and languages: clinicians have no display code) and a profile's
// languages, time zone and weekly working hours, saved in one request.

import { api } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { Form, looksLikeLanguageTag } from '../forms.js';
import { t } from '../i18n.js';
import * as names from '../names.js';
import { timeZone } from '../time.js';
import { rowList, slotList, zoneOptions } from './common.js';

export async function cliniciansView(node, { isCurrent }) {
  const list = await names.clinicianList(true);
  if (!isCurrent()) return;
  replace(node, h('h1', { text: t('clinicians.title') }),
    h('p', {}, h('a', { class: 'button', href: '#/clinicians/new', text: t('clinicians.new') })),
    list.length
      ? h('ul', { class: 'list' }, list.map((c) => h('li', {}, h('a', { href: `#/clinicians/${c.id}`, text: names.clinicianName(c.id) }))))
      : h('p', { class: 'empty', text: t('clinicians.none') }));
}

export async function clinicianView(node, { args, go, isCurrent }) {
  const isNew = args[0] === 'new';
  const profile = isNew ? null : await api('GET', `/clinicians/${args[0]}`);
  if (!isCurrent()) return;
  const titleId = 'clinician-title';
  let languages;
  let hours;
  const form = new Form({
    labelledBy: titleId,
    submitLabel: isNew ? t('clinician.create') : t('clinician.save'),
    failOptions: {
      fields: { account_id: 'account_id', time_zone: 'time_zone', languages: 'languages', working_hours: 'working_hours' },
      conflicts: { account_id: t('clinician.has_profile') },
      conflict: t('clinician.has_profile'),
      badField: { account_id: t('clinician.account_invalid') },
    },
    onSubmit: async (f) => {
      const errors = {};
      const accountId = Number(f.value('account_id'));
      if (isNew && !(accountId > 0)) errors.account_id = t('clinician.account_required');
      const l = languages.read();
      const w = hours.read();
      Object.assign(errors, l.errors, w.errors);
      if (!l.values.length && !Object.keys(l.errors).length) errors.languages = t('clinician.language_required');
      if (f.show(errors)) return;
      const body = { time_zone: f.value('time_zone'), languages: l.values, working_hours: w.values };
      const saved = isNew
        ? await api('POST', '/clinicians', { body: { account_id: accountId, ...body } })
        : await api('PATCH', `/clinicians/${profile.id}`, { body });
      await names.clinicianList(true);
      announce(t('clinician.saved', { id: saved.id }));
      go('clinicians');
    },
  });
  languages = rowList(form, 'languages', t('clinician.languages'), {
    values: profile?.languages || [], min: 1, max: 4, addLabel: t('clinician.add_language'),
    make: (i, tag) => form.control('text', `language_${i}`, t('clinician.language_n', { n: i + 1 }), { value: tag, attrs: { maxlength: 35, autocapitalize: 'none' } }),
    read: (i) => {
      const tag = form.value(`language_${i}`).trim();
      if (!tag) return null;
      return looksLikeLanguageTag(tag) ? { value: tag } : { errors: { [`language_${i}`]: t('error.language_tag') } };
    },
  });
  hours = slotList(form, 'working_hours', t('clinician.working_hours'), profile?.working_hours || [], t('clinician.working_hours_hint'));
  form.add(
    isNew ? form.control('number', 'account_id', t('clinician.account'), { required: true, hint: t('clinician.account_hint'), attrs: { min: 1, step: 1 } }) : null,
    form.control('select', 'time_zone', t('clinician.time_zone'), { value: profile?.time_zone ?? timeZone(), options: zoneOptions() }),
    languages.node, hours.node,
    form.actions(h('a', { href: '#/clinicians', class: 'button secondary', text: t('form.back') })));
  replace(node, h('h1', { id: titleId, text: isNew ? t('clinician.new_title') : t('clinician.edit_title', { id: profile.id }) }), form.node);
  (form.input('account_id') || form.input('time_zone')).focus();
}
