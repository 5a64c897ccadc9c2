// The staff page in a real browser: Debian's chromium, driven by playwright-core, against a real
// tolkd (harness.js). One desk's day, in order: sign in (by keyboard), make a clinician and an
// interpreter profile, create a client with preferences (after refusing an empty form), book by
// keyboard and choose a suggested interpreter, see a clashing booking refused with its reason,
// reschedule, issue join tokens and copy one, survive a revoked session without losing a typed
// form, look at the calendar, cancel, switch language, read the page at 200% zoom, sign out;
// and see that staff cannot reach the audit log while an admin can.
//
// Every screen is saved as a PNG under $TOLK_BROWSER_ARTIFACTS. Every screen is also checked:
// each control has a label, no raw error or catalogue key shows, and the console has no error
// (a CSP violation or a missing translation would be one). Nothing sleeps for a fixed time:
// each step waits for what it expects to see.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ADMIN, ADMIN_PASSWORD, api, must, startBroker } from './harness.js';

const ARTIFACTS = process.env.TOLK_BROWSER_ARTIFACTS || path.resolve('../../build/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'a long enough passphrase';
const DAY = '2100-01-04'; // a Monday
const ZONE = 'Europe/Amsterdam';

let broker;
let browser;
let admin; // the admin's API token, for setting up and for revoking the desk's session
const ids = {};
let shots = 0;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of fs.readdirSync(ARTIFACTS)) if (f.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, f));
  broker = await startBroker();
  admin = (await must(broker, 200, 'POST', '/login', { body: { username: ADMIN, password: ADMIN_PASSWORD } })).token;
  for (const [name, role] of [['desk-1', 'staff'], ['clin-1', 'clinician'], ['int-f', 'interpreter'], ['int-m', 'interpreter']]) {
    ids[name] = (await must(broker, 201, 'POST', '/accounts', { token: admin, body: { username: name, password: PASSWORD, role } })).id;
  }
  // a second interpreter made through the API: male, so the client's preference rejects him
  await must(broker, 201, 'POST', '/interpreters', {
    token: admin,
    body: { account_id: ids['int-m'], code: 'INT-0007', gender: 'm', time_zone: ZONE, language_pairs: [{ a: 'prs-AF', b: 'nl' }],
      availability: [0, 1, 2, 3, 4].map((day) => ({ day, start_minute: 480, end_minute: 1080 })) },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // the machine's network is closed: no background fetches, no QUIC, no sandbox as root
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--lang=en-GB'],
    // HOME holds the NSS database in which tools/browser-test.sh trusts the test CA
    env: { ...process.env, HOME: process.env.TOLK_BROWSER_HOME || process.env.HOME },
  });
});

after(async () => {
  await browser?.close();
  const problem = await broker?.stop();
  assert.equal(problem, '', 'tolkd stops cleanly');
});

// A page with watchers: console errors (other than the failed requests a test provokes) and
// uncaught exceptions are collected, and checked by screen().
async function newPage(options = {}) {
  const context = await browser.newContext({
    locale: 'en-GB', timezoneId: ZONE, viewport: { width: 1280, height: 900 }, ...options,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  await page.goto(broker.url);
  return page;
}

// Checks the screen as it is now and saves it as NN-NAME.png.
async function screen(page, name) {
  await page.evaluate(() => document.fonts.ready);
  const report = await page.evaluate(() => {
    const problems = [];
    const visible = (el) => el.getClientRects().length > 0;
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const label = [...(el.labels || [])].map((l) => l.textContent.trim()).join(' ') ||
        el.getAttribute('aria-label') ||
        (el.getAttribute('aria-labelledby') || '').split(' ').map((id) => document.getElementById(id)?.textContent.trim()).join(' ');
      if (!label || !label.trim()) problems.push(`no label: ${el.outerHTML.slice(0, 100)}`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (visible(el) && !(el.textContent.trim() || el.getAttribute('aria-label'))) problems.push(`no name: ${el.outerHTML.slice(0, 100)}`);
    }
    const seen = new Set();
    for (const el of document.querySelectorAll('[id]')) {
      if (seen.has(el.id)) problems.push(`duplicate id ${el.id}`);
      seen.add(el.id);
    }
    const text = document.body.innerText;
    for (const raw of [/\{"error"/, /\b(bad_field|unknown_field|missing_field|unauthenticated|method_not_allowed)\b/,
      /\bundefined\b/, /\bnull\b/, /\bNaN\b/, /\[object /, /\b(error|session|booking|client|clients|nav|calendar|suggestions|tokens)\.[a-z_]+\b/]) {
      if (raw.test(text)) problems.push(`raw text on screen: ${raw}`);
    }
    return problems;
  });
  assert.deepEqual([...page.problems, ...report], [], `screen ${name}`);
  shots += 1;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// The focused element shows a visible focus ring.
async function assertFocusVisible(page) {
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.equal(ring.style, 'solid', `focus ring on ${ring.tag}`);
  assert.ok(ring.width >= 2, `focus ring width on ${ring.tag}`);
}

async function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
}

// Presses Tab until the focus leaves the element HANDLE (date and time inputs take a Tab per
// part). Returns how many it took.
async function leave(page, handle) {
  for (let n = 1; n <= 5; n += 1) {
    await page.keyboard.press('Tab');
    if (!(await handle.evaluate((el) => el === document.activeElement))) return n;
  }
  throw new Error('Tab does not leave the field');
}

// Types a date into the focused <input type=date>, in the order of its parts (day or month
// first, as the browser's locale has it, found by typing a probe first), and leaves it.
async function typeDate(page, date) {
  const [y, m, d] = date.split('-');
  const handle = await page.evaluateHandle(() => document.activeElement);
  await page.keyboard.type('01022000');
  const monthFirst = (await handle.evaluate((el) => el.value)) === '2000-01-02';
  for (let i = 0; i < 2; i += 1) await page.keyboard.press('Shift+Tab'); // back to the first part
  await page.keyboard.type(monthFirst ? `${m}${d}${y}` : `${d}${m}${y}`);
  assert.equal(await handle.evaluate((el) => el.value), date);
  await leave(page, handle);
}

// Types a time of day into the focused <input type=time> and leaves it. Where the browser's
// locale shows a 12-hour clock, the AM/PM part follows the minutes: it is typed too.
async function typeTime(page, hhmm) {
  const [hh, mm] = hhmm.split(':');
  assert.ok(Number(hh) >= 1 && Number(hh) <= 11, 'hours that read the same on both clocks');
  const handle = await page.evaluateHandle(() => document.activeElement);
  await page.keyboard.type(`${hh}${mm}`);
  await page.keyboard.press('Tab');
  if (await handle.evaluate((el) => el === document.activeElement)) {
    await page.keyboard.type('A');
    await leave(page, handle);
  }
  assert.equal(await handle.evaluate((el) => el.value), hhmm);
}

async function signIn(page, username, password = PASSWORD) {
  const dialog = page.locator('#signin-dialog');
  await dialog.waitFor({ state: 'visible' });
  await page.locator('#signin-username').fill(username);
  await page.locator('#signin-password').fill(password);
  await page.locator('#signin-submit').click();
  await dialog.waitFor({ state: 'hidden' });
}

async function appointments() {
  return (await must(broker, 200, 'GET', `/appointments?tz=${ZONE}`, { token: admin })).appointments;
}

let page; // the desk's page, through the whole day

test('sign in by keyboard, with bad input first', async () => {
  page = await newPage();
  await page.locator('#signin-dialog').waitFor({ state: 'visible' });
  assert.equal(await focusedId(page), 'signin-username');
  await screen(page, 'sign-in');

  await page.keyboard.press('Enter'); // empty: inline messages, no request
  await page.locator('#signin-username-error').getByText('Enter your username.').waitFor();
  await page.keyboard.type('desk-1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await page.locator('#signin-error').getByText('Wrong username or password.').waitFor();
  await screen(page, 'sign-in-refused');

  // the password field is selected after a refusal: type over it
  assert.equal(await focusedId(page), 'signin-password');
  await assertFocusVisible(page);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('#signin-dialog').waitFor({ state: 'hidden' });
  await page.getByRole('heading', { name: 'Calendar', level: 1 }).waitFor();
  await page.getByText('desk-1 (staff)').waitFor();
  await screen(page, 'calendar-empty');
});

test('staff cannot reach the audit log', async () => {
  assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Accounts' }).count(), 0);
  await page.goto(`${broker.url}#/audit`);
  await page.getByText('Only admins can see the audit log.').waitFor();
  assert.equal(await page.locator('table').count(), 0);
  await screen(page, 'audit-refused-for-staff');
  // and the API itself says no to this role
  const staffToken = (await must(broker, 200, 'POST', '/login', { body: { username: 'desk-1', password: PASSWORD } })).token;
  assert.equal((await api(broker, 'GET', '/audit', { token: staffToken })).status, 403);
  await must(broker, 204, 'POST', '/logout', { token: staffToken });
});

test('a clinician profile with languages and working hours', async () => {
  await page.getByRole('link', { name: 'Clinicians' }).click();
  await page.getByRole('link', { name: 'New clinician profile' }).click();
  await page.getByLabel('Account id').fill(String(ids['clin-1']));
  assert.equal(await page.getByLabel('Time zone of the working hours').inputValue(), ZONE);
  await page.getByLabel('Language 1').fill('nl');
  await page.getByRole('button', { name: 'Add hours' }).click();
  await page.getByLabel('Day').selectOption({ label: 'Monday' });
  await page.getByLabel('From', { exact: true }).fill('09:00');
  await page.getByLabel('To', { exact: true }).fill('17:00');
  await screen(page, 'clinician-new');
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('link', { name: `Clinician #${ids['clin-1']} (nl)` }).waitFor();
  await screen(page, 'clinicians');
});

test('an interpreter profile: bad input refused inline, then created', async () => {
  await page.getByRole('link', { name: 'Interpreters' }).click();
  await page.getByRole('link', { name: 'INT-0007' }).waitFor();
  await page.getByRole('link', { name: 'New interpreter profile' }).click();
  await page.getByLabel('Pair 1: one language').fill('prs AF');
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByText('Enter the account id.').waitFor();
  await page.getByText('Enter a display code.').waitFor();
  await page.locator('.field-error', { hasText: 'Write a language code such as fa, nl or prs-AF.' }).first().waitFor();
  assert.equal(await page.getByLabel('Account id').getAttribute('aria-invalid'), 'true');
  await screen(page, 'interpreter-errors');
  // the server's refusal of a taken code, shown at its field
  await page.getByLabel('Account id').fill(String(ids['int-f']));
  await page.getByLabel('Display code').fill('INT-0007');
  await page.getByLabel('Pair 1: one language').fill('prs-AF');
  await page.getByLabel('Pair 1: the other').fill('nl');
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByText('This code is taken (or the account already has a profile).').waitFor();
  assert.equal((await api(broker, 'GET', `/interpreters/${ids['int-f']}`, { token: admin })).status, 404);

  await page.getByLabel('Display code').fill('INT-0042');
  await page.getByLabel('Gender').selectOption({ label: 'female' });
  await page.getByRole('button', { name: 'Add hours' }).click();
  await page.getByLabel('Day').selectOption({ label: 'Monday' });
  await page.getByLabel('From', { exact: true }).fill('08:00');
  await page.getByLabel('To', { exact: true }).fill('18:00');
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('heading', { name: 'Interpreter INT-0042' }).waitFor();
  await page.getByRole('heading', { name: 'Not available (exceptions)' }).waitFor();
  await screen(page, 'interpreter');
  const stored = await must(broker, 200, 'GET', `/interpreters/${ids['int-f']}`, { token: admin });
  assert.deepEqual(stored.availability, [{ day: 0, start_minute: 480, end_minute: 1080 }]);
  assert.equal(stored.gender, 'f');
});

test('a client with preferences: an empty form saves nothing', async () => {
  await page.getByRole('link', { name: 'Clients' }).click();
  await page.getByText('No clients yet.').waitFor();
  await page.getByRole('link', { name: 'New client' }).click();
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.getByText('Enter an alias.').waitFor();
  await page.getByText('Enter at least one language.').waitFor();
  await screen(page, 'client-errors');
  assert.equal((await must(broker, 200, 'GET', '/clients', { token: admin })).clients.length, 0);

  await page.getByLabel('Alias', { exact: true }).fill('Client R');
  await page.getByLabel('Language 1').fill('prs-AF');
  await page.getByLabel('This dialect is required').first().check();
  await page.getByRole('button', { name: 'Add a language' }).click();
  await page.getByLabel('Language 2').fill('fa');
  await page.getByLabel('Written language').fill('fa');
  await page.getByLabel("Interpreter's gender").selectOption({ label: 'female' });
  await page.getByLabel('The same interpreter as last time, when possible').check();
  await page.getByLabel("Support person's alias").fill('sister');
  await page.getByLabel('Contact details').fill('+31 6 1234 5678');
  await screen(page, 'client-new');
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.getByRole('heading', { name: 'Clients whose alias starts with “Client R”' }).waitFor();
  await page.getByRole('link', { name: 'Client R' }).waitFor();
  await screen(page, 'clients-search');
  const [client] = (await must(broker, 200, 'GET', '/clients', { token: admin })).clients;
  ids.client = client.id;
  const record = await must(broker, 200, 'GET', `/clients/${client.id}`, { token: admin });
  assert.deepEqual(record.languages, [{ tag: 'prs-AF', dialect_required: true }, { tag: 'fa', dialect_required: false }]);
  assert.equal(record.gender_preference, 'f');
  assert.equal(record.prefer_same_interpreter, true);
  assert.equal(record.contact, '+31 6 1234 5678');
});

test('book by keyboard and choose a suggested interpreter', async () => {
  await page.getByRole('link', { name: 'Book' }).click();
  await page.getByRole('heading', { name: 'Book an appointment' }).waitFor();
  assert.match(await focusedId(page), /^find-client/);
  await page.keyboard.type('Client');
  await page.waitForFunction(() => document.querySelector('select[name=client_id]').selectedOptions[0]?.text === 'Client R');
  await page.keyboard.press('Tab'); // client: chosen by the search
  await page.keyboard.press('Tab'); // clinician
  await assertFocusVisible(page);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('select[name=clinician_id]').inputValue(), String(ids['clin-1']));
  await page.keyboard.press('Tab'); // mode: consecutive
  await page.keyboard.press('Tab'); // date
  await typeDate(page, DAY); // and on to "from"
  await typeTime(page, '10:00'); // and on to "to"
  await typeTime(page, '11:00'); // and on to the Book button
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Book');
  await screen(page, 'book-form');
  await page.keyboard.press('Enter');

  await page.getByRole('heading', { name: 'Appointment with Client R' }).waitFor();
  const suggestion = page.locator('.suggestion').filter({ hasText: 'INT-0042' });
  await suggestion.getByText("speaks the client's dialect").waitFor();
  await page.getByText('Interpreters who do not fit (1)').click();
  await page.getByText('INT-0007: not the gender the client prefers').waitFor();
  await screen(page, 'booked-suggestions');

  // assign by keyboard: from the list of who does not fit, back with Shift+Tab to the button
  for (let n = 0; (await page.evaluate(() => document.activeElement.textContent)) !== 'Assign INT-0042'; n += 1) {
    assert.ok(n < 20, 'Shift+Tab reaches the Assign button');
    await page.keyboard.press('Shift+Tab');
  }
  await assertFocusVisible(page);
  await page.keyboard.press('Enter');
  await page.locator('.suggestion').filter({ hasText: 'INT-0042' }).getByRole('button', { name: 'Assigned' }).waitFor();
  await page.locator('dl.summary').getByText('INT-0042').waitFor();
  await screen(page, 'interpreter-assigned');
  const [booked] = await appointments();
  ids.appointment = booked.id;
  assert.equal(booked.interpreter_id, ids['int-f']);
  assert.equal(booked.starts_at_local, '2100-01-04T10:00:00+01:00');
});

test('a clashing booking is refused with its reason, next to the field', async () => {
  await page.getByRole('link', { name: 'Book' }).click();
  await page.getByLabel('Find a client by alias').fill('Client R');
  await page.waitForFunction(() => document.querySelector('select[name=client_id]').selectedOptions[0]?.text === 'Client R');
  await page.getByLabel('Clinician', { exact: true }).selectOption(String(ids['clin-1']));
  await page.getByLabel('Date').fill(DAY);
  await page.getByLabel('From', { exact: true }).fill('10:30');
  await page.getByLabel('To', { exact: true }).fill('11:30');
  await page.getByRole('button', { name: 'Book' }).click();
  const error = page.getByText('The clinician already has an appointment at that time.');
  await error.waitFor();
  // next to the clinician field: its error is what the select is described by
  const described = await page.locator('select[name=clinician_id]').getAttribute('aria-describedby');
  assert.ok(described.split(' ').includes(await error.getAttribute('id')));
  assert.equal(await page.locator('select[name=clinician_id]').getAttribute('aria-invalid'), 'true');
  assert.equal(await focusedId(page), await page.locator('select[name=clinician_id]').getAttribute('id'));
  await screen(page, 'booking-conflict');
  assert.equal((await appointments()).length, 1);

  // an end before the start is refused before anything is sent
  await page.getByLabel('To', { exact: true }).fill('09:00');
  await page.getByRole('button', { name: 'Book' }).click();
  await page.getByText('The end must be after the start.').waitFor();
  assert.equal((await appointments()).length, 1);
});

test('reschedule', async () => {
  await page.goto(`${broker.url}#/appointments/${ids.appointment}`);
  await page.getByRole('heading', { name: 'Reschedule' }).waitFor();
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Reschedule' }) });
  assert.equal(await form.getByLabel('From', { exact: true }).inputValue(), '10:00');
  await form.getByLabel('From', { exact: true }).fill('14:00');
  await form.getByLabel('To', { exact: true }).fill('15:00');
  await form.getByRole('button', { name: 'Reschedule' }).click();
  await page.locator('dl.summary').getByText(/14:00/).waitFor();
  assert.equal(await form.getByLabel('From', { exact: true }).inputValue(), '14:00');
  await screen(page, 'rescheduled');
  const [moved] = await appointments();
  assert.equal(moved.starts_at_local, '2100-01-04T14:00:00+01:00');
  assert.equal(moved.ends_at_local, '2100-01-04T15:00:00+01:00');
});

test('join tokens are shown once, with copy buttons', async () => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByLabel("Also a token for the client's support person").check();
  await page.getByRole('button', { name: 'Issue join tokens' }).click();
  await page.getByText('These tokens are shown only now.', { exact: false }).waitFor();
  for (const role of ['client', 'clinician', 'interpreter', 'support person']) {
    assert.match(await page.getByLabel(`Join token for the ${role}`, { exact: true }).inputValue(), /^[A-Za-z0-9_-]{43}$/);
  }
  const token = await page.getByLabel('Join token for the client', { exact: true }).inputValue();
  await page.getByRole('button', { name: "Copy the client's token" }).click();
  await page.waitForFunction(async (want) => (await navigator.clipboard.readText()) === want, token);
  await screen(page, 'join-tokens');
  // shown once: after leaving and coming back they are gone
  await page.goto(`${broker.url}#/calendar`);
  await page.goto(`${broker.url}#/appointments/${ids.appointment}`);
  await page.getByRole('button', { name: 'Issue join tokens' }).waitFor();
  assert.equal(await page.locator('input.token').count(), 0);
});

test('a revoked session asks to sign in again and keeps the open form', async () => {
  await page.getByRole('link', { name: 'Clients' }).click();
  await page.getByRole('link', { name: 'New client' }).click();
  await page.getByLabel('Alias', { exact: true }).fill('Client S');
  await page.getByLabel('Language 1').fill('ar');
  await page.getByLabel('Contact details').fill('ask at the desk');
  // the admin disables and enables the account: every token it had is revoked
  await must(broker, 200, 'PATCH', `/accounts/${ids['desk-1']}`, { token: admin, body: { disabled: true } });
  await must(broker, 200, 'PATCH', `/accounts/${ids['desk-1']}`, { token: admin, body: { disabled: false } });
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.locator('#signin-dialog').waitFor({ state: 'visible' });
  await page.getByText('Your session has ended.', { exact: false }).waitFor();
  assert.equal(await page.getByLabel('Alias', { exact: true }).inputValue(), 'Client S');
  await screen(page, 'session-expired');
  await page.locator('#signin-password').fill(PASSWORD);
  await page.locator('#signin-password').press('Enter');
  await page.getByRole('link', { name: 'Client S' }).waitFor();
  const aliases = (await must(broker, 200, 'GET', '/clients', { token: admin })).clients.map((c) => c.alias);
  assert.deepEqual(aliases.sort(), ['Client R', 'Client S']);
});

test('the calendar: a week and a day, per clinician and per interpreter', async () => {
  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByLabel('Date', { exact: true }).fill(DAY);
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'INT-0042' });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('heading', { name: /^Week of Monday/ }).waitFor();
  const entry = page.locator('.appointment').filter({ hasText: 'Client R' });
  await entry.getByText('14:00–15:00').waitFor();
  await screen(page, 'calendar-week-interpreter');
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'INT-0007' });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForFunction(() => window.location.hash.includes('who=i%3A'));
  await page.locator('.day').first().getByText('Nothing booked.').waitFor();
  await page.getByLabel('Show', { exact: true }).selectOption('day');
  await page.getByLabel('For', { exact: true }).selectOption({ label: `Clinician #${ids['clin-1']} (nl)` });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('link', { name: 'Next day' }).waitFor();
  await entry.getByText('14:00–15:00').waitFor();
  await screen(page, 'calendar-day-clinician');
  // in another zone the same appointment moves on the clock
  await page.locator('#setting-tz').selectOption('Europe/London');
  await entry.getByText('13:00–14:00').waitFor();
  await page.locator('#setting-tz').selectOption(ZONE);
  await entry.getByText('14:00–15:00').waitFor();
});

test('the page in Dutch', async () => {
  await page.locator('#setting-lang').selectOption('nl');
  await page.getByRole('link', { name: 'Agenda' }).waitFor();
  await page.getByRole('link', { name: 'Cliënten' }).click();
  await page.getByRole('heading', { name: 'Cliënten', level: 1 }).waitFor();
  await screen(page, 'dutch');
  await page.locator('#setting-lang').selectOption('en');
  await page.getByRole('link', { name: 'Calendar' }).waitFor();
});

test('readable at 200% zoom, without sideways scrolling', async () => {
  // 200% zoom: half the CSS pixels of a 1280x900 window, each drawn twice as large
  const zoomed = await newPage({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
  await signIn(zoomed, 'desk-1');
  for (const route of ['calendar', 'book', `appointments/${ids.appointment}`, 'clients/new', `interpreters/${ids['int-f']}`]) {
    await zoomed.goto(`${broker.url}#/${route}`);
    await zoomed.locator('main h1').waitFor();
    await zoomed.locator('main .loading').waitFor({ state: 'detached' });
    const widths = await zoomed.evaluate(() => ({ page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth }));
    assert.ok(widths.page <= widths.view, `${route}: ${widths.page} > ${widths.view}`);
    await screen(zoomed, `zoom-200-${route.split('/')[0]}`);
  }
  await zoomed.context().close();
});

test('cancel, after a confirmation', async () => {
  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.goto(`${broker.url}#/calendar?view=week&date=${DAY}`);
  await page.locator('.appointment a').first().click();
  await page.getByRole('button', { name: 'Cancel this appointment' }).click();
  await page.locator('#confirm-dialog').waitFor({ state: 'visible' });
  await screen(page, 'cancel-confirm');
  await page.getByRole('button', { name: 'No, keep it' }).click();
  assert.equal((await appointments())[0].status, 'booked');
  await page.getByRole('button', { name: 'Cancel this appointment' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await page.getByText('This appointment is cancelled.').waitFor();
  await screen(page, 'cancelled');
  assert.equal((await appointments())[0].status, 'cancelled');
});

test('sign out', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin-dialog').waitFor({ state: 'visible' });
  assert.equal(await page.locator('main').innerText(), '');
  assert.equal(await page.locator('#nav').isHidden(), true);
  await screen(page, 'signed-out');
  const entries = (await must(broker, 200, 'GET', '/audit?limit=200', { token: admin })).entries;
  assert.ok(entries.some((e) => e.action === 'logout' && e.actor === `account:${ids['desk-1']}`));
  await page.context().close();
});

test('an admin sees the audit log and the accounts', async () => {
  const adminPage = await newPage();
  await signIn(adminPage, ADMIN, ADMIN_PASSWORD);
  await adminPage.getByRole('link', { name: 'Audit log' }).click();
  await adminPage.getByText(/^The log verifies: \d+ entries/).waitFor();
  await adminPage.getByRole('cell', { name: 'appointment_cancelled' }).waitFor();
  await screen(adminPage, 'audit-admin');
  await adminPage.getByRole('link', { name: 'Accounts' }).click();
  await adminPage.getByRole('cell', { name: 'desk-1', exact: true }).waitFor();
  await screen(adminPage, 'accounts');
  await adminPage.context().close();
});
