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

// A short message in the page's status line, for eyes and screen readers (role=status); it
// goes away by itself after a while.
export function announce(message) {
  const node = document.getElementById('status');
  node.textContent = '';
  clearTimeout(announced);
  // a fresh text node, so that the same message twice is announced twice
  requestAnimationFrame(() => {
    node.textContent = message;
  });
  announced = setTimeout(() => {
    node.textContent = '';
  }, 8000);
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
