// The signed-in account. The bearer token lives in this module's memory only: never in
// localStorage, sessionStorage or a cookie, so a reload or a closed tab signs out, and the
// browser never attaches it to a request by itself (which is why another site cannot forge a
// request with it: see docs/WEB.md).
//
// Signing in happens in one modal dialog. Whoever needs a token (the first screen, or a request
// answered 401 because the token expired or was revoked) awaits signIn(); concurrent callers
// share one dialog, and the screen underneath, with whatever was typed into it, stays as it was.

import { t } from './i18n.js';

let token = null;
let account = null; // {id, role, username}
let waiting = null; // {promise, resolve} while the dialog is open
const listeners = new Set();

export function currentToken() {
  return token;
}

export function currentAccount() {
  return account;
}

export function isAdmin() {
  return account?.role === 'admin';
}

// FN(account or null) runs after every sign-in and sign-out.
export function onChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn(account);
}

// The token was refused (401): forget it.
export function expire() {
  token = null;
}

function dialog() {
  return document.getElementById('signin-dialog');
}

function showFieldError(id, message) {
  const error = document.getElementById(`${id}-error`);
  const input = document.getElementById(id);
  error.textContent = message || '';
  error.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function showFormError(message) {
  const error = document.getElementById('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
}

// Opens the sign-in dialog (if it is not open) and resolves once an account has signed in.
// EXPIRED says why it opened over a screen in use.
export function signIn({ expired = false } = {}) {
  if (waiting) return waiting.promise;
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  waiting = { promise, resolve };
  document.getElementById('signin-expired').hidden = !expired;
  showFormError('');
  showFieldError('signin-username', '');
  showFieldError('signin-password', '');
  const d = dialog();
  if (!d.open) d.showModal();
  const username = document.getElementById('signin-username');
  (username.value ? document.getElementById('signin-password') : username).focus();
  return promise;
}

async function submit(event) {
  event.preventDefault();
  const username = document.getElementById('signin-username');
  const password = document.getElementById('signin-password');
  const button = document.getElementById('signin-submit');
  showFormError('');
  showFieldError('signin-username', username.value.trim() ? '' : t('session.username_required'));
  showFieldError('signin-password', password.value ? '' : t('session.password_required'));
  if (!username.value.trim()) return username.focus();
  if (!password.value) return password.focus();
  button.disabled = true;
  try {
    const result = await login(username.value.trim(), password.value);
    if (result.error) {
      showFormError(result.error);
      password.select();
      password.focus();
      return;
    }
    password.value = '';
    dialog().close();
    const done = waiting;
    waiting = null;
    changed();
    done.resolve(account);
  } finally {
    button.disabled = false;
  }
}

// POST /login, then GET /me for the username. {error: text} when it did not work.
async function login(username, password) {
  let response;
  try {
    response = await fetch('/api/v1/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { error: t('error.network') };
  }
  const body = await response.json().catch(() => null);
  if (response.status === 429) {
    const seconds = Number(response.headers.get('Retry-After')) || body?.error?.retry_after_s || 1;
    return { error: t('session.rate_limited', { seconds }) };
  }
  if (response.status === 401 || response.status === 400) return { error: t('session.wrong_password') };
  if (!response.ok || !body?.token) return { error: t('error.server') };
  token = body.token;
  account = { id: body.account_id, role: body.role, username };
  return {};
}

// Revokes the token (as far as tolkd can be reached) and forgets the account.
export async function signOut() {
  const old = token;
  token = null;
  account = null;
  changed();
  if (old) {
    await fetch('/api/v1/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${old}` },
      credentials: 'omit',
      cache: 'no-store',
    }).catch(() => {});
  }
}

export function setUp() {
  document.getElementById('signin-form').addEventListener('submit', submit);
  // one cannot dismiss the dialog without signing in: Escape would leave a dead page
  dialog().addEventListener('cancel', (event) => event.preventDefault());
}
