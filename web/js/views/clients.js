// Clients: a list that finds them by alias (aliases and ids only, as the API lists them), and
// a form to create one or edit its preferences. Opening a record reads it in full, contact
// details included, and tolkd audits every such read; lists never do.

import { api } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { byteLength, Form, looksLikeLanguageTag } from '../forms.js';
import { t } from '../i18n.js';
import * as names from '../names.js';
import { formatDateTime } from '../time.js';

const MAX_LANGUAGES = 4;

export async function clientsView(node, { query, isCurrent }) {
  const q = query.get('q') || '';
  const searchForm = new Form({ submitLabel: t('clients.search'), className: 'toolbar', onSubmit: async (f) => {
    const text = f.value('q').trim();
    window.location.hash = `#/clients${text ? `?q=${encodeURIComponent(text)}` : ''}`;
  } });
  searchForm.node.setAttribute('role', 'search');
  searchForm.add(searchForm.control('search', 'q', t('clients.search_label'), { value: q, attrs: { maxlength: 64 } }),
    searchForm.actions());
  const list = h('ul', { class: 'list' });
  const more = h('button', { type: 'button', class: 'secondary', text: t('list.more'), hidden: true });
  let after = 0;
  async function load() {
    const data = await api('GET', '/clients', { query: { q, after, limit: 50 } });
    for (const c of data.clients) {
      names.rememberAlias(c.id, c.alias);
      list.append(h('li', {}, h('a', { href: `#/clients/${c.id}`, text: c.alias }), h('span', { class: 'id', text: ` #${c.id}` })));
    }
    after = data.next_after;
    more.hidden = after === null;
    if (!list.children.length) list.append(h('li', { class: 'empty', text: q ? t('clients.none_found') : t('clients.none') }));
  }
  more.addEventListener('click', load);
  await load();
  if (!isCurrent()) return;
  replace(node, h('h1', { text: t('clients.title') }),
    h('p', {}, h('a', { class: 'button', href: '#/clients/new', text: t('clients.new') })),
    searchForm.node, h('h2', { text: q ? t('clients.results_for', { q }) : t('clients.all') }), list, more);
}

// One row of the languages list: tag, dialect required, remove.
function languageRow(form, index, value = { tag: '', dialect_required: false }) {
  const row = h('div', { class: 'row' },
    form.control('text', `language_${index}`, t('client.language_n', { n: index + 1 }),
      { value: value.tag, attrs: { maxlength: 35, autocapitalize: 'none', spellcheck: 'false' } }),
    form.control('checkbox', `dialect_${index}`, t('client.dialect_required'), { value: value.dialect_required }));
  return row;
}

function genderOptions(noneKey) {
  return [
    { value: '', text: t(noneKey) }, { value: 'f', text: t('gender.f') },
    { value: 'm', text: t('gender.m') }, { value: 'x', text: t('gender.x') },
  ];
}

// The body of POST/PATCH /clients from the form, or {errors}.
function readClient(form, rows) {
  const errors = {};
  const alias = form.value('alias').trim();
  if (!alias) errors.alias = t('client.alias_required');
  else if (byteLength(alias) > 64) errors.alias = t('error.too_long', { max: 64 });
  const languages = [];
  for (let i = 0; i < rows; i += 1) {
    const tag = form.value(`language_${i}`).trim();
    if (!tag) continue;
    if (!looksLikeLanguageTag(tag)) errors[`language_${i}`] = t('error.language_tag');
    languages.push({ tag, dialect_required: form.value(`dialect_${i}`) });
  }
  if (!languages.length) errors.languages = t('client.language_required');
  const written = form.value('written_language').trim();
  if (written && !looksLikeLanguageTag(written)) errors.written_language = t('error.language_tag');
  const support = form.value('support_person_alias').trim();
  if (byteLength(support) > 64) errors.support_person_alias = t('error.too_long', { max: 64 });
  const contact = form.value('contact').trim();
  if (byteLength(contact) > 512) errors.contact = t('error.too_long', { max: 512 });
  if (Object.keys(errors).length) return { errors };
  return {
    body: {
      alias, languages, written_language: written || null,
      gender_preference: form.value('gender_preference') || null,
      prefer_same_interpreter: form.value('prefer_same_interpreter'),
      support_person_alias: support || null, contact: contact || null,
    },
  };
}

export async function clientView(node, { args, go, isCurrent }) {
  const isNew = args[0] === 'new';
  const client = isNew ? null : await api('GET', `/clients/${args[0]}`);
  if (!isCurrent()) return;
  const titleId = 'client-title';
  let rows = Math.max(1, client?.languages.length || 0);
  const form = new Form({
    labelledBy: titleId,
    submitLabel: isNew ? t('client.create') : t('client.save'),
    failOptions: { fields: { languages: 'languages' } },
    onSubmit: async (f) => {
      const { body, errors } = readClient(f, rows);
      if (errors) return f.show(errors);
      const saved = isNew ? await api('POST', '/clients', { body }) : await api('PATCH', `/clients/${client.id}`, { body });
      if (!isCurrent()) return;
      names.rememberAlias(saved.id, body.alias);
      announce(isNew ? t('client.created', { alias: body.alias }) : t('client.saved', { alias: body.alias }));
      // back to the list, found by alias: opening the record again would be one more audited read
      go(`clients?q=${encodeURIComponent(body.alias)}`);
    },
  });
  const languageRows = h('div', { class: 'rows' });
  for (let i = 0; i < rows; i += 1) languageRows.append(languageRow(form, i, client?.languages[i]));
  const addLanguage = h('button', { type: 'button', class: 'secondary', text: t('client.add_language') });
  addLanguage.hidden = rows >= MAX_LANGUAGES;
  addLanguage.addEventListener('click', () => {
    languageRows.append(languageRow(form, rows, undefined));
    form.input(`language_${rows}`).focus();
    rows += 1;
    addLanguage.hidden = rows >= MAX_LANGUAGES;
  });
  form.add(
    form.control('text', 'alias', t('client.alias'), { value: client?.alias, required: true, hint: t('client.alias_hint'), attrs: { maxlength: 64 } }),
    form.group('languages', t('client.languages'), h('p', { class: 'hint', text: t('client.languages_hint') }), languageRows, addLanguage),
    form.control('text', 'written_language', t('client.written_language'), { value: client?.written_language, hint: t('client.written_language_hint'), attrs: { maxlength: 35 } }),
    form.group('preferences', t('client.preferences'),
      form.control('select', 'gender_preference', t('client.gender_preference'), { value: client?.gender_preference ?? '', options: genderOptions('gender.no_preference') }),
      form.control('checkbox', 'prefer_same_interpreter', t('client.prefer_same'), { value: client?.prefer_same_interpreter })),
    form.control('text', 'support_person_alias', t('client.support_person'), { value: client?.support_person_alias, hint: t('client.support_person_hint'), attrs: { maxlength: 64 } }),
    form.control('textarea', 'contact', t('client.contact'), { value: client?.contact, hint: t('client.contact_hint'), attrs: { maxlength: 512 } }),
    form.actions(h('a', { href: '#/clients', class: 'button secondary', text: t('form.back') })));
  const parts = [h('h1', { id: titleId, text: isNew ? t('client.new_title') : t('client.edit_title', { alias: client.alias }) }), form.node];
  if (!isNew) {
    parts.push(h('p', { class: 'hint', text: t('client.read_audited') }));
    parts.push(await exclusions(client, go));
  }
  if (!isCurrent()) return;
  replace(node, ...parts);
  form.input('alias').focus();
}

// The interpreters this client must never get, and a form to add one.
async function exclusions(client, go) {
  const interpreters = await names.interpreterList();
  const titleId = 'exclusions-title';
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('exclusion.add'),
    failOptions: { fields: { interpreter_id: 'interpreter_id' }, conflict: t('exclusion.too_many') },
    onSubmit: async (f) => {
      const id = Number(f.value('interpreter_id'));
      if (!id) return f.show({ interpreter_id: t('exclusion.choose') });
      await api('POST', `/clients/${client.id}/exclusions`, { body: { interpreter_id: id, reason: f.value('reason') } });
      announce(t('exclusion.added'));
      go(`clients/${client.id}`);
    },
  });
  form.add(
    form.control('select', 'interpreter_id', t('exclusion.interpreter'), {
      options: [{ value: '', text: t('form.choose') }, ...interpreters.map((i) => ({ value: i.id, text: i.code }))],
    }),
    form.control('select', 'reason', t('exclusion.reason'), {
      options: [{ value: 'client', text: t('exclusion.reason_client') }, { value: 'never_again', text: t('exclusion.reason_never_again') }],
    }),
    form.actions());
  const list = client.exclusions.length
    ? h('ul', { class: 'list' }, client.exclusions.map((e) => h('li', {},
      `${names.interpreterName(e.interpreter_id)} · ${t(`exclusion.reason_${e.reason}`)} · ${formatDateTime(e.at)}`)))
    : h('p', { class: 'empty', text: t('exclusion.none') });
  return h('section', { 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: t('exclusion.title') }), h('p', { class: 'hint', text: t('exclusion.hint') }), list, form.node);
}
