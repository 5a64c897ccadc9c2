// The staff page: loads the catalogue, asks for a sign-in, then shows the screen the address's
// #fragment names. Screens are modules under views/, each a function that fills <main>.

import { ApiError } from './api.js';
import { announce, h, replace, screenChanged } from './dom.js';
import { errorMessage } from './forms.js';
import { LANGUAGES, language, preferredLanguage, setLanguage, t } from './i18n.js';
import * as session from './session.js';
import * as time from './time.js';
import { calendarView } from './views/calendar.js';
import { clientsView, clientView } from './views/clients.js';
import { interpretersView, interpreterView } from './views/interpreters.js';
import { cliniciansView, clinicianView } from './views/clinicians.js';
import { bookView, appointmentView } from './views/appointments.js';
import { auditView } from './views/audit.js';
import { accountsView } from './views/accounts.js';

const STAFF = ['admin', 'staff'];

// Path pattern, screen, roles that may use it, nav label (if it is in the menu).
const ROUTES = [
  { path: /^calendar$/, view: calendarView, roles: ['admin', 'staff', 'clinician', 'interpreter'], nav: 'nav.calendar' },
  { path: /^book$/, view: bookView, roles: STAFF, nav: 'nav.book' },
  { path: /^appointments\/(\d+)$/, view: appointmentView, roles: STAFF },
  { path: /^clients$/, view: clientsView, roles: STAFF, nav: 'nav.clients' },
  { path: /^clients\/(new|\d+)$/, view: clientView, roles: STAFF },
  { path: /^interpreters$/, view: interpretersView, roles: STAFF, nav: 'nav.interpreters' },
  { path: /^interpreters\/(new|\d+)$/, view: interpreterView, roles: STAFF },
  { path: /^clinicians$/, view: cliniciansView, roles: STAFF, nav: 'nav.clinicians' },
  { path: /^clinicians\/(new|\d+)$/, view: clinicianView, roles: STAFF },
  { path: /^accounts$/, view: accountsView, roles: ['admin'], nav: 'nav.accounts' },
  { path: /^audit$/, view: auditView, roles: ['admin'], nav: 'nav.audit' },
];

const main = () => document.getElementById('main');

// "#/clients?q=ab" -> {path: "clients", query: URLSearchParams}
function location() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  return { path: path || 'calendar', query: new URLSearchParams(search) };
}

export function go(path) {
  const target = `#/${path}`;
  if (window.location.hash === target) render();
  else window.location.hash = target;
}

let renderCount = 0;

// Shows the screen for the current address (after a sign-in if there is no account).
async function render() {
  const account = session.currentAccount() || await session.signIn();
  const { path, query } = location();
  const route = ROUTES.find((r) => r.path.test(path));
  const node = main();
  const ticket = ++renderCount;
  screenChanged();
  updateNav(path);
  if (!route) {
    replace(node, h('h1', { text: t('error.no_such_page_title') }), h('p', { text: t('error.no_such_page') }));
    return;
  }
  if (!route.roles.includes(account.role)) {
    document.title = `${t('error.not_allowed_title')} – ${t('app.name')}`;
    replace(node, h('h1', { text: t('error.not_allowed_title') }),
      h('p', { class: 'notice', text: t(route.path.source.includes('audit') ? 'audit.admins_only' : 'error.not_allowed') }));
    return;
  }
  const args = path.match(route.path).slice(1);
  replace(node, h('p', { class: 'loading', text: t('app.loading') }));
  try {
    await route.view(node, { args, query, go, isCurrent: () => ticket === renderCount });
  } catch (error) {
    if (ticket !== renderCount) return;
    // an API refusal (a record that is gone, tolkd unreachable) in words; anything else is a bug
    if (!(error instanceof ApiError)) console.error(error);
    replace(node, h('h1', { text: t('error.title') }),
      h('p', { class: 'form-error', role: 'alert', text: error instanceof ApiError ? errorMessage(error) : t('error.page') }));
  }
  if (ticket === renderCount && route.nav) document.title = `${t(route.nav)} – ${t('app.name')}`;
}

function updateNav(path) {
  const account = session.currentAccount();
  const nav = document.getElementById('nav');
  nav.hidden = !account;
  const items = account ? ROUTES.filter((r) => r.nav && r.roles.includes(account.role)) : [];
  replace(document.getElementById('nav-list'), items.map((r) => {
    const target = r.path.source.replace(/^\^|\$$/g, '');
    const current = path === target || path.startsWith(`${target}/`);
    return h('li', {}, h('a', { href: `#/${target}`, 'aria-current': current ? 'page' : null, text: t(r.nav) }));
  }));
  const who = document.getElementById('whoami');
  who.hidden = !account;
  who.textContent = account ? t('session.signed_in_as', { username: account.username, role: t(`role.${account.role}`) }) : '';
  document.getElementById('sign-out').hidden = !account;
}

function fillSettings() {
  const tz = document.getElementById('setting-tz');
  replace(tz, time.zones().map((z) => h('option', { value: z, text: z, selected: z === time.timeZone() })));
  const lang = document.getElementById('setting-lang');
  replace(lang, LANGUAGES.map((l) => h('option', { value: l, text: t(`lang.${l}`), selected: l === language() })));
}

async function start() {
  await setLanguage(preferredLanguage());
  fillSettings();
  session.setUp();
  session.onChange((account) => {
    if (!account) replace(main()); // signed out: nothing of the last screen stays on view
    updateNav(location().path);
  });
  document.getElementById('setting-tz').addEventListener('change', (event) => {
    time.setTimeZone(event.target.value);
    render();
  });
  document.getElementById('setting-lang').addEventListener('change', async (event) => {
    await setLanguage(event.target.value);
    fillSettings();
    render();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await session.signOut();
    announce(t('session.signed_out'));
    await session.signIn();
    go('calendar');
  });
  window.addEventListener('hashchange', () => {
    render();
    main().focus({ preventScroll: true });
  });
  await render();
}

start().catch((error) => {
  console.error(error);
  // the catalogue itself may be what failed to load: the one sentence not in it
  document.body.append(h('p', { class: 'form-error', role: 'alert', text: 'Tolk could not start. Reload the page.' }));
});
