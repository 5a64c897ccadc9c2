// How the page names people it may only show by id or alias: clients by alias (from the
// alias-only list, never by reading a full record, which tolkd audits), interpreters by their
// display code, clinicians by id and languages. Kept for the life of the page; cleared at
// sign-out.

import { api, listAll } from './api.js';
import { t } from './i18n.js';
import { onChange } from './session.js';

const aliases = new Map();
let interpreters = null;
let clinicians = null;

onChange(() => {
  aliases.clear();
  interpreters = null;
  clinicians = null;
});

export function rememberAlias(id, alias) {
  aliases.set(Number(id), alias);
}

// Makes sure the aliases of IDS are known, reading pages of the client list until they are.
export async function loadAliases(ids) {
  const missing = new Set(ids.map(Number).filter((id) => !aliases.has(id)));
  let after = 0;
  for (let page = 0; missing.size > 0 && page < 50; page += 1) {
    const data = await api('GET', '/clients', { query: { after, limit: 50 } });
    for (const c of data.clients) {
      aliases.set(c.id, c.alias);
      missing.delete(c.id);
    }
    if (data.next_after === null) break;
    after = data.next_after;
  }
}

export function clientName(id) {
  return aliases.get(Number(id)) ?? t('client.numbered', { id });
}

// [{id, code}] of every interpreter profile.
export async function interpreterList(fresh = false) {
  if (!interpreters || fresh) interpreters = await listAll('/interpreters', 'interpreters');
  return interpreters;
}

export function interpreterName(id) {
  if (id === null || id === undefined) return t('appointment.no_interpreter');
  return interpreters?.find((i) => i.id === id)?.code ?? t('interpreter.numbered', { id });
}

// [{id, languages, time_zone}] of every clinician profile (the list has ids only).
export async function clinicianList(fresh = false) {
  if (!clinicians || fresh) {
    const ids = await listAll('/clinicians', 'clinicians');
    clinicians = await Promise.all(ids.map((c) => api('GET', `/clinicians/${c.id}`)));
  }
  return clinicians;
}

export function clinicianName(id) {
  const c = clinicians?.find((x) => x.id === id);
  return c ? t('clinician.named', { id, languages: c.languages.join(', ') }) : t('clinician.numbered', { id });
}
