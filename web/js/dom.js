// Small DOM helpers. Text always goes in as text (textContent, text nodes), never as HTML, so
// nothing a user typed or the API returned can become markup or script.

// h('p', {class: 'x', on: {click: f}}, 'text', child, ...): a new element.
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node && typeof value !== 'string') node[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces NODE's children.
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

let uid = 0;
// A fresh id for a control and its label.
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

let announced = null;
let keep = 0;

function clearStatus() {
  clearTimeout(announced);
  document.getElementById('status').textContent = '';
}

// A short message in the page's status line, for eyes and screen readers (role=status). It
// stays over the next screen (an action often moves on to one), and goes with the one after,
// or after a while.
export function announce(message) {
  const node = document.getElementById('status');
  clearStatus();
  keep = 1;
  // a fresh text node, so that the same message twice is announced twice
  requestAnimationFrame(() => {
    node.textContent = message;
  });
  announced = setTimeout(clearStatus, 10000);
}

// Called when a new screen is shown.
export function screenChanged() {
  if (keep > 0) keep -= 1;
  else clearStatus();
}

// Asks a yes/no question in the page's own modal dialog; resolves to true for yes. Focus goes
// back to where it was.
export function confirmDialog({ title, text, yes, no }) {
  const dialog = document.getElementById('confirm-dialog');
  const back = document.activeElement;
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yes;
  document.getElementById('confirm-no').textContent = no;
  dialog.returnValue = 'no';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      back?.focus?.();
      resolve(dialog.returnValue === 'yes');
    }, { once: true });
    dialog.showModal();
    document.getElementById('confirm-no').focus();
  });
}
