// Accounts, for admins: the list (usernames are logins, not names), a form to add one (the
// clinician and interpreter profiles name their account by id), and disabling or enabling.

import { api, listAll } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { byteLength, errorMessage, Form } from '../forms.js';
import { t } from '../i18n.js';
import { currentAccount } from '../session.js';

const ROLES = ['staff', 'clinician', 'interpreter', 'admin'];

export async function accountsView(node, { go, isCurrent }) {
  const accounts = await listAll('/accounts', 'accounts');
  if (!isCurrent()) return;
  const titleId = 'account-new';
  const form = new Form({
    labelledBy: titleId,
    submitLabel: t('accounts.create'),
    failOptions: { conflicts: { username: t('accounts.username_taken') }, badField: { username: t('accounts.username_invalid'), password: t('accounts.password_invalid') } },
    onSubmit: async (f) => {
      const errors = {};
      const username = f.value('username').trim();
      if (!/^[a-z0-9._-]{3,64}$/.test(username)) errors.username = t('accounts.username_invalid');
      const length = byteLength(f.value('password'));
      if (length < 12 || length > 1024) errors.password = t('accounts.password_invalid');
      if (f.show(errors)) return;
      const made = await api('POST', '/accounts', { body: { username, password: f.value('password'), role: f.value('role') } });
      announce(t('accounts.created', { username: made.username, id: made.id }));
      go('accounts');
    },
  });
  form.add(
    form.control('text', 'username', t('accounts.username'), { required: true, hint: t('accounts.username_hint'), attrs: { maxlength: 64, autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false' } }),
    form.control('password', 'password', t('accounts.password'), { required: true, hint: t('accounts.password_hint'), attrs: { autocomplete: 'new-password', maxlength: 1024 } }),
    form.control('select', 'role', t('accounts.role'), { options: ROLES.map((r) => ({ value: r, text: t(`role.${r}`) })) }),
    form.actions());
  const alert = h('p', { class: 'form-error', role: 'alert', hidden: true, tabindex: -1 });
  const rows = accounts.map((a) => {
    const toggle = h('button', { type: 'button', class: 'secondary small',
      text: a.disabled ? t('accounts.enable') : t('accounts.disable'),
      'aria-label': t(a.disabled ? 'accounts.enable_named' : 'accounts.disable_named', { username: a.username }),
      disabled: a.id === currentAccount().id });
    toggle.addEventListener('click', async () => {
      try {
        await api('PATCH', `/accounts/${a.id}`, { body: { disabled: !a.disabled } });
        go('accounts');
      } catch (error) {
        alert.textContent = errorMessage(error);
        alert.hidden = false;
        alert.focus();
      }
    });
    return h('tr', {}, h('td', { text: String(a.id) }), h('td', { text: a.username }), h('td', { text: t(`role.${a.role}`) }),
      h('td', { text: a.disabled ? t('accounts.disabled') : t('accounts.active') }), h('td', {}, toggle));
  });
  replace(node, h('h1', { text: t('accounts.title') }), alert,
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('accounts.table') },
      h('table', {}, h('thead', {}, h('tr', {}, ['id', 'username', 'role', 'state', 'action'].map((c) => h('th', { scope: 'col', text: t(`accounts.col.${c}`) })))),
        h('tbody', {}, rows))),
    h('h2', { id: titleId, text: t('accounts.new') }), form.node);
}
