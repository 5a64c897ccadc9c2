// A day or a week of appointments, for everyone or for one clinician or one interpreter, in
// the staff member's time zone. The list comes from GET /appointments with local day bounds
// and tz; one interpreter's appointments are picked out here (the API filters by clinician).

import { listAll } from '../api.js';
import { h, newId, replace } from '../dom.js';
import { t } from '../i18n.js';
import * as names from '../names.js';
import { currentAccount } from '../session.js';
import { addDays, formatDay, formatTime, isDate, localParts, mondayOf, timeZone, today } from '../time.js';

function href(view, date, who) {
  const q = new URLSearchParams({ view, date });
  if (who) q.set('who', who);
  return `#/calendar?${q}`;
}

function controls(view, date, who, clinicians, interpreters) {
  const viewId = newId('cal-view');
  const dateId = newId('cal-date');
  const whoId = newId('cal-who');
  const form = h('form', { class: 'toolbar', 'aria-label': t('calendar.controls') },
    h('div', { class: 'field' }, h('label', { for: viewId, text: t('calendar.view') }),
      h('select', { id: viewId, name: 'view' },
        h('option', { value: 'week', text: t('calendar.week'), selected: view === 'week' }),
        h('option', { value: 'day', text: t('calendar.day'), selected: view === 'day' }))),
    h('div', { class: 'field' }, h('label', { for: dateId, text: t('calendar.date') }),
      h('input', { id: dateId, name: 'date', type: 'date', value: date, required: true })),
    h('div', { class: 'field' }, h('label', { for: whoId, text: t('calendar.whose') }),
      h('select', { id: whoId, name: 'who' },
        h('option', { value: '', text: t('calendar.everyone') }),
        clinicians.length ? h('optgroup', { label: t('calendar.clinicians') },
          clinicians.map((c) => h('option', { value: `c:${c.id}`, text: names.clinicianName(c.id), selected: who === `c:${c.id}` }))) : null,
        interpreters.length ? h('optgroup', { label: t('calendar.interpreters') },
          interpreters.map((i) => h('option', { value: `i:${i.id}`, text: i.code, selected: who === `i:${i.id}` }))) : null)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('calendar.show') })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const d = form.elements.date.value;
    window.location.hash = href(form.elements.view.value, isDate(d) ? d : today(), form.elements.who.value).slice(1);
  });
  return form;
}

function entry(a) {
  const cancelled = a.status === 'cancelled';
  return h('li', { class: `appointment${cancelled ? ' cancelled' : ''}` },
    h('a', { href: `#/appointments/${a.id}` },
      h('span', { class: 'when', text: `${formatTime(a.starts_at)}–${formatTime(a.ends_at)}` }),
      ' ',
      h('span', { class: 'who', text: names.clientName(a.client_id) })),
    h('p', { class: 'meta' },
      `${names.clinicianName(a.clinician_id)} · ${names.interpreterName(a.interpreter_id)} · ${t(`mode.${a.mode}`)}`,
      cancelled ? h('span', { class: 'badge', text: t('status.cancelled') }) : null));
}

export async function calendarView(node, { query, isCurrent }) {
  const view = query.get('view') === 'day' ? 'day' : 'week';
  const date = isDate(query.get('date') || '') ? query.get('date') : today();
  const who = /^[ci]:\d+$/.test(query.get('who') || '') ? query.get('who') : '';
  const start = view === 'week' ? mondayOf(date) : date;
  const count = view === 'week' ? 7 : 1;
  const staff = ['admin', 'staff'].includes(currentAccount().role);
  const [clinicians, interpreters, all] = await Promise.all([
    staff ? names.clinicianList() : [],
    staff ? names.interpreterList() : [],
    listAll('/appointments', 'appointments', {
      from: `${start}T00:00`, to: `${addDays(start, count)}T00:00`, tz: timeZone(),
      clinician_id: who.startsWith('c:') ? who.slice(2) : undefined,
    }),
  ]);
  const appointments = who.startsWith('i:') ? all.filter((a) => a.interpreter_id === Number(who.slice(2))) : all;
  if (staff) await names.loadAliases(appointments.map((a) => a.client_id));
  if (!isCurrent()) return;

  const byDay = new Map();
  for (const a of appointments.sort((x, y) => x.starts_at - y.starts_at)) {
    const day = localParts(a.starts_at).date;
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(a);
  }
  const step = view === 'week' ? 7 : 1;
  const days = [];
  for (let i = 0; i < count; i += 1) {
    const day = addDays(start, i);
    const headingId = newId('day');
    const items = byDay.get(day) || [];
    days.push(h('section', { class: `day${day === today() ? ' today' : ''}`, 'aria-labelledby': headingId },
      h('h3', { id: headingId, text: formatDay(day) }),
      items.length ? h('ol', { class: 'appointments' }, items.map(entry)) : h('p', { class: 'empty', text: t('calendar.nothing') })));
  }
  const title = view === 'week' ? t('calendar.title_week', { day: formatDay(start) }) : t('calendar.title_day', { day: formatDay(start) });
  replace(node,
    h('h1', { text: t('calendar.title') }),
    h('p', { class: 'hint', text: t('calendar.zone_note', { zone: timeZone() }) }),
    controls(view, date, who, clinicians, interpreters),
    h('nav', { class: 'pager', 'aria-label': t('calendar.pager') },
      h('a', { href: href(view, addDays(start, -step), who), text: t(view === 'week' ? 'calendar.previous_week' : 'calendar.previous_day') }),
      h('a', { href: href(view, today(), who), text: t('calendar.today') }),
      h('a', { href: href(view, addDays(start, step), who), text: t(view === 'week' ? 'calendar.next_week' : 'calendar.next_day') })),
    h('h2', { text: title }),
    staff ? h('p', {}, h('a', { class: 'button', href: '#/book', text: t('calendar.book') })) : null,
    h('div', { class: `days ${view}` }, days));
}
