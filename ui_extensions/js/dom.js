// DOM helpers: every user string goes through textContent or setAttribute, never innerHTML.

/** Create an element: h("a", {href: u, class: "x"}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "style" && typeof value === "object") Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

/** Append children (strings become text nodes; arrays are flattened; null is skipped). */
export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Text for plotly labels: plotly reads a few HTML tags in strings, so escape them. */
export function plotText(value) {
  return String(value ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A short human form of a number or value. */
export function fmt(value) {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(4) : String(+value.toPrecision(6));
  }
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function params() {
  return new URLSearchParams(window.location.search);
}

/** Show an error message in place of a panel's content. */
export function showError(node, error) {
  clear(node).append(h("div", { class: "error" }, String(error && error.message ? error.message : error)));
}

/** Run `fn` once `node` is in the document (plotly sizes a plot from its container). */
export function whenAttached(node, fn) {
  return new Promise((resolve, reject) => {
    let frames = 0;
    const tick = () => {
      if (node.isConnected) Promise.resolve().then(fn).then(resolve, reject);
      else if (frames++ < 600) requestAnimationFrame(tick);
      else resolve(null);
    };
    tick();
  });
}
