// The audit log, for admins: whether the hash chain verifies, and its entries a page at a time,
// newest page first. Entries name accounts, clients and appointments by id only.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { formatDateTime } from '../time.js';

const PAGE = 50;

export async function auditView(node, { query, isCurrent }) {
  const verify = await api('GET', '/audit/verify');
  const head = verify.head_seq || 0;
  const requested = Number(query.get('after'));
  const after = Number.isInteger(requested) && requested >= 0 && query.has('after') ? requested : Math.max(0, head - PAGE);
  const page = await api('GET', '/audit', { query: { after, limit: PAGE } });
  if (!isCurrent()) return;
  const ok = verify.ok;
  const status = h('p', { class: ok ? 'notice ok' : 'form-error', role: ok ? null : 'alert',
    text: ok ? t('audit.intact', { count: verify.count, head: verify.head_seq })
      : t('audit.broken', { seq: verify.bad_seq ?? '?', reason: t(`audit.reason.${verify.reason}`) }) });
  const rows = page.entries.slice().reverse().map((e) => h('tr', {},
    h('td', { text: String(e.seq) }), h('td', { text: formatDateTime(e.at) }), h('td', { text: e.actor }),
    h('td', { text: e.action }), h('td', { text: e.subject }), h('td', { text: e.detail })));
  const columns = ['seq', 'at', 'actor', 'action', 'subject', 'detail'];
  replace(node,
    h('h1', { text: t('audit.title') }), status,
    h('nav', { class: 'pager', 'aria-label': t('audit.pager') },
      after > 0 ? h('a', { href: `#/audit?after=${Math.max(0, after - PAGE)}`, text: t('audit.older') }) : null,
      page.next_after !== null ? h('a', { href: `#/audit?after=${page.next_after}`, text: t('audit.newer') }) : null,
      h('a', { href: '#/audit', text: t('audit.latest') })),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('audit.table') },
      h('table', {},
        h('caption', { text: t('audit.caption', { from: page.entries[0]?.seq ?? 0, to: page.entries.at(-1)?.seq ?? 0 }) }),
        h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: t(`audit.col.${c}`) })))),
        h('tbody', {}, rows))));
}
