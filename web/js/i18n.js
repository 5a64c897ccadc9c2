// The page's words: every user-visible string comes from one catalogue per language
// (i18n/en.json, i18n/nl.json, ...), loaded at start. English is the fallback for a key another
// language lacks; a key missing from English is a bug, reported on the console (the browser
// tests fail on it) and shown as the key itself.

export const LANGUAGES = ['en', 'nl'];

let current = 'en';
let strings = {};
let fallback = {};

async function fetchCatalogue(lang) {
  const response = await fetch(`i18n/${lang}.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`catalogue ${lang}: ${response.status}`);
  return response.json();
}

// Loads LANG's catalogue (and English, once, as the fallback) and translates the static page.
export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = 'en';
  if (Object.keys(fallback).length === 0) fallback = await fetchCatalogue('en');
  strings = lang === 'en' ? fallback : await fetchCatalogue(lang);
  current = lang;
  document.documentElement.lang = lang;
  translateStatic(document);
}

export function language() {
  return current;
}

// The locale for dates and numbers: the browser's own when it is a variant of the page's
// language (en-GB writes dates as the British do), else the page's language.
export function locale() {
  const own = navigator.language || '';
  return own.toLowerCase().split('-')[0] === current ? own : current;
}

// The language the browser prefers among ours, else English.
export function preferredLanguage() {
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = tag.toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

// The text for KEY with {name} placeholders filled from VARS.
export function t(key, vars = {}) {
  let text = strings[key] ?? fallback[key];
  if (text === undefined) {
    console.error(`missing translation: ${key}`);
    text = key;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

// Fills elements marked data-i18n (text) and data-i18n-aria-label (aria-label) under ROOT.
export function translateStatic(root) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
  }
}
