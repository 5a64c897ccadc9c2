// Times on the page are shown in the staff member's time zone: the browser's by default,
// changeable in the header. Times typed into forms are local wall times in that zone, sent as
// "YYYY-MM-DDTHH:MM" with time_zone (bodies) or tz (queries), so tolkd does the conversion and
// refuses a time that a daylight-saving change skips or repeats, instead of the page guessing.

import { locale } from './i18n.js';

let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function timeZone() {
  return zone;
}

export function setTimeZone(name) {
  zone = name;
}

// The zones this browser knows, for the selector (with the current one, whatever happens).
export function zones() {
  const list = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return list.includes(zone) ? list : [zone, ...list];
}

function format(seconds, options, tz = zone) {
  return new Intl.DateTimeFormat(locale(), { timeZone: tz, ...options }).format(new Date(seconds * 1000));
}

export function formatDateTime(seconds, tz) {
  return format(seconds, { dateStyle: 'medium', timeStyle: 'short' }, tz);
}

export function formatTime(seconds) {
  return format(seconds, { hour: '2-digit', minute: '2-digit' });
}

// "Monday 4 January 2100" for a civil date "2100-01-04" (a calendar day, no zone involved).
export function formatDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

// The weekday names Monday..Sunday in the page's language (0 = Monday, as the API counts).
export function weekdayNames() {
  const names = [];
  for (let i = 0; i < 7; i += 1) {
    names.push(new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', weekday: 'long' })
      .format(new Date(Date.UTC(2024, 0, 1 + i)))); // 1 January 2024 was a Monday
  }
  return names;
}

// {date: "YYYY-MM-DD", time: "HH:MM"} of SECONDS on the wall clock of the zone.
export function localParts(seconds, tz = zone) {
  const parts = {};
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  for (const p of fmt.formatToParts(new Date(seconds * 1000))) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

export function today() {
  return localParts(Date.now() / 1000).date;
}

// The civil date N days after DATE.
export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// The Monday on or before DATE.
export function mondayOf(date) {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(date, -weekday);
}

export function isDate(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

export function isTime(text) {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(text);
}

// "HH:MM" to minutes after midnight; "24:00" may end a day.
export function minutes(text) {
  const [hh, mm] = text.split(':').map(Number);
  return hh * 60 + mm;
}

export function hhmm(total) {
  const hh = String(Math.floor(total / 60)).padStart(2, '0');
  return `${hh}:${String(total % 60).padStart(2, '0')}`;
}
