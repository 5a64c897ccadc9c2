// Pieces the interpreter and clinician screens share: weekly slots (a day and a time range, in
// the profile's own time zone), lists of rows with add and remove buttons, and the time-zone
// selector.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { hhmm, isTime, minutes, weekdayNames, zones } from '../time.js';

// An editable list of rows in FORM's fieldset NAME: MAKE(index, value) builds a row, READ(index)
// reads it back ({value} or {errors} or null for an empty row). Rows keep their indexes (a
// removed row is only hidden and skipped), so control names stay unique.
export function rowList(form, name, legend, { values, make, read, max, min = 0, addLabel, hint }) {
  const rows = [];
  const container = h('div', { class: 'rows' });
  const add = h('button', { type: 'button', class: 'secondary', text: addLabel });
  function live() {
    return rows.filter((r) => !r.removed);
  }
  function addRow(value, focus) {
    const index = rows.length;
    const remove = h('button', { type: 'button', class: 'secondary small', text: t('form.remove'), 'aria-label': t('form.remove_row', { n: index + 1 }) });
    const node = h('div', { class: 'row' }, make(index, value), remove);
    const row = { index, node, removed: false };
    remove.addEventListener('click', () => {
      row.removed = true;
      node.remove();
      add.hidden = live().length >= max;
      add.focus();
    });
    rows.push(row);
    container.append(node);
    add.hidden = live().length >= max;
    if (focus) node.querySelector('input, select')?.focus();
  }
  for (const v of values) addRow(v, false);
  for (let i = values.length; i < min; i += 1) addRow(undefined, false);
  add.addEventListener('click', () => addRow(undefined, true));
  const node = form.group(name, legend, hint ? h('p', { class: 'hint', text: hint }) : null, container, add);
  return {
    node,
    read() {
      const out = [];
      const errors = {};
      for (const row of live()) {
        const r = read(row.index);
        if (!r) continue;
        if (r.errors) Object.assign(errors, r.errors);
        else out.push(r.value);
      }
      return { values: out, errors };
    },
  };
}

// Weekly slots ({day, start_minute, end_minute}) as rows of day, from, to.
export function slotList(form, name, legend, slots, hint) {
  const days = weekdayNames();
  return rowList(form, name, legend, {
    values: slots,
    max: 32,
    hint,
    addLabel: t('slots.add'),
    make: (i, s) => [
      form.control('select', `${name}_day_${i}`, t('slots.day'), { value: s?.day ?? 0, options: days.map((d, n) => ({ value: n, text: d })) }),
      form.control('time', `${name}_from_${i}`, t('slots.from'), { value: s ? hhmm(s.start_minute) : '09:00' }),
      form.control('time', `${name}_to_${i}`, t('slots.to'), { value: s ? hhmm(s.end_minute % 1440) : '17:00', hint: t('slots.midnight_hint') }),
    ],
    read: (i) => {
      const from = form.value(`${name}_from_${i}`);
      const to = form.value(`${name}_to_${i}`);
      if (!isTime(from)) return { errors: { [`${name}_from_${i}`]: t('error.time') } };
      if (!isTime(to)) return { errors: { [`${name}_to_${i}`]: t('error.time') } };
      const start = minutes(from);
      const end = to === '00:00' ? 1440 : minutes(to);
      if (end <= start) return { errors: { [`${name}_to_${i}`]: t('error.end_before_start') } };
      return { value: { day: Number(form.value(`${name}_day_${i}`)), start_minute: start, end_minute: end } };
    },
  });
}

export function zoneOptions() {
  return zones().map((z) => ({ value: z, text: z }));
}
