// The REST API (docs/API.md), with the in-memory bearer token of session.js. A request answered
// 401 (the token expired, was revoked, or the account was disabled) opens the sign-in dialog
// over the current screen and is sent again once someone has signed in, so an open form keeps
// what was typed. Failures come back as ApiError with the API's stable code and field; what the
// user sees is made from those (forms.js), never from the API's English message.

import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, code, field = null, detail = '', retryAfter = 0) {
    super(`${status} ${code}`);
    this.status = status; // 0: tolkd could not be reached
    this.code = code;
    this.field = field;
    this.detail = detail; // the API's message: for telling DST cases apart, never shown
    this.retryAfter = retryAfter;
  }
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return `/api/v1${path}${text ? `?${text}` : ''}`;
}

// METHOD PATH with an optional JSON BODY and QUERY object: the answer's JSON (null for 204).
export async function api(method, path, { body, query } = {}) {
  for (;;) {
    if (!session.currentToken()) await session.signIn();
    const headers = { Authorization: `Bearer ${session.currentToken()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network');
    }
    if (response.status === 401) {
      session.expire();
      await session.signIn({ expired: true });
      continue;
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok || data === null) {
      const error = data?.error || {};
      throw new ApiError(response.status, error.code || 'internal', error.field || null,
        error.message || '', error.retry_after_s || 0);
    }
    return data;
  }
}

// Every page of a paged list: KEY is the list's name in the answer, at most MAXPAGES pages.
export async function listAll(path, key, query = {}, maxPages = 20) {
  const items = [];
  let after = 0;
  for (let page = 0; page < maxPages; page += 1) {
    const data = await api('GET', path, { query: { ...query, after } });
    items.push(...data[key]);
    if (data.next_after === null || data.next_after === undefined) break;
    after = data.next_after;
  }
  return items;
}
