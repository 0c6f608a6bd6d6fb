// The runs table's filter language: comparisons over config, summary, tags and run fields,
// joined with and / or / not and parentheses, e.g. `lr = 1e-3 and acc > 0.9`.
//
//   field   name | state | group | job_type | tags | id | sweep | runtime | created
//           | config.<key> | summary.<key> | <key> (a config key, else a summary key)
//   op      = == != < <= > >= ~ (contains, any case)
//   value   number | "text" | 'text' | word | true | false | null
//
// A lone word (or quoted text) with no operator matches names, ids, groups and tags containing it.
// `parse` throws a FilterError naming the column where the text stops making sense.

const BUILTIN = new Set(["name", "state", "group", "job_type", "tags", "id", "sweep", "runtime", "created"]);
const OPERATORS = ["==", "!=", "<=", ">=", "=", "<", ">", "~"];
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/;
const WORD = /^[A-Za-z_][\w./:\-]*/;

export class FilterError extends Error {
  constructor(message, column) {
    super(`${message} (column ${column})`);
    this.column = column;
  }
}

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    const at = i + 1;
    if ("(),".includes(rest[0])) { tokens.push({ kind: rest[0], text: rest[0], at }); i += 1; continue; }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) { tokens.push({ kind: "op", text: op === "==" ? "=" : op, at }); i += op.length; continue; }
    if (rest[0] === "\"" || rest[0] === "'") {
      const end = rest.indexOf(rest[0], 1);
      if (end < 0) throw new FilterError(`unclosed quote ${rest[0]}`, at);
      tokens.push({ kind: "string", text: rest.slice(1, end), at });
      i += end + 1;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number && !/^[A-Za-z_]/.test(rest.slice(number[0].length))) {
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      const lower = word[0].toLowerCase();
      tokens.push({ kind: ["and", "or", "not"].includes(lower) ? lower : "word", text: word[0], at });
      i += word[0].length;
      continue;
    }
    throw new FilterError(`unexpected ${JSON.stringify(rest[0])}`, at);
  }
  tokens.push({ kind: "end", text: "end of the filter", at: text.length + 1 });
  return tokens;
}

class Parser {
  constructor(text) { this.tokens = tokenize(text); this.pos = 0; }
  peek() { return this.tokens[this.pos]; }
  next() { return this.tokens[this.pos++]; }
  fail(what) {
    const token = this.peek();
    const found = token.kind === "end" ? "the end of the filter" : JSON.stringify(token.text);
    throw new FilterError(`expected ${what}, found ${found}`, token.at);
  }

  expression() {
    let node = this.conjunction();
    while (this.peek().kind === "or") { this.next(); node = { or: [node, this.conjunction()] }; }
    return node;
  }

  conjunction() {
    let node = this.negation();
    while (this.peek().kind === "and") { this.next(); node = { and: [node, this.negation()] }; }
    return node;
  }

  negation() {
    if (this.peek().kind === "not") { this.next(); return { not: this.negation() }; }
    if (this.peek().kind === "(") {
      this.next();
      const inner = this.expression();
      if (this.peek().kind !== ")") this.fail("\")\"");
      this.next();
      return inner;
    }
    return this.comparison();
  }

  comparison() {
    const field = this.peek();
    if (field.kind === "string" || (field.kind === "word" && this.tokens[this.pos + 1].kind !== "op")) {
      const lone = this.tokens[this.pos + 1].kind;
      if (["end", ")", "and", "or"].includes(lone)) { this.next(); return { text: field.text.toLowerCase() }; }
    }
    if (field.kind !== "word") this.fail("a key (config or summary key, name, state, tags, ...)");
    this.next();
    if (this.peek().kind !== "op") this.fail(`an operator (=, !=, <, <=, >, >=, ~) after ${JSON.stringify(field.text)}`);
    const op = this.next().text;
    const token = this.peek();
    let value;
    if (token.kind === "number") value = token.value;
    else if (token.kind === "string") value = token.text;
    else if (token.kind === "word") {
      const lower = token.text.toLowerCase();
      value = lower === "true" ? true : lower === "false" ? false : lower === "null" ? null : token.text;
    } else this.fail(`a value after ${JSON.stringify(op)}`);
    this.next();
    return { field: field.text, op, value };
  }
}

/** The predicate (run -> bool) of `text`; an empty text keeps every run. Throws FilterError. */
export function parse(text) {
  if (!text.trim()) return () => true;
  const parser = new Parser(text);
  const tree = parser.expression();
  if (parser.peek().kind !== "end") parser.fail("and, or or the end of the filter");
  return (run) => evaluate(tree, run);
}

/** The value of `field` for `run` (a row of /api/runs: config, latest, tags, ...). */
export function fieldValue(run, field) {
  if (field.startsWith("config.") && run.config && field.slice(7) in run.config) return run.config[field.slice(7)];
  if (field.startsWith("summary.") && run.latest && field.slice(8) in run.latest) return run.latest[field.slice(8)];
  if (BUILTIN.has(field)) return builtin(run, field);
  if (run.config && field in run.config) return run.config[field];
  if (run.latest && field in run.latest) return run.latest[field];
  return undefined;
}

function builtin(run, field) {
  if (field === "sweep") return run.sweep_id;
  if (field === "created") return run.start_time;
  if (field === "runtime") return runtimeOf(run);
  return run[field];
}

/** Seconds the run ran (up to now while it runs). */
export function runtimeOf(run) {
  if (!run.start_time) return undefined;
  const end = run.state === "running" ? Date.now() : (run.end_time || run.start_time);
  return Math.max(0, (end - run.start_time) / 1000);
}

function evaluate(node, run) {
  if (node.or) return evaluate(node.or[0], run) || evaluate(node.or[1], run);
  if (node.and) return evaluate(node.and[0], run) && evaluate(node.and[1], run);
  if (node.not) return !evaluate(node.not, run);
  if (node.text !== undefined) {
    return [run.name, run.id, run.group, ...(run.tags || [])].some((t) => String(t ?? "").toLowerCase().includes(node.text));
  }
  const actual = fieldValue(run, node.field);
  if (Array.isArray(actual) && node.field === "tags") {
    const hit = actual.some((t) => compare(t, node.op === "!=" ? "=" : node.op, node.value));
    return node.op === "!=" ? !hit : hit;
  }
  return compare(actual, node.op, node.value);
}

function asNumber(value) {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return null;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function compare(actual, op, wanted) {
  if (actual === undefined || actual === null) {
    if (wanted === null) return op === "=" ? true : op === "!=" ? false : false;
    return op === "!=";
  }
  if (op === "~") return String(actual).toLowerCase().includes(String(wanted ?? "").toLowerCase());
  const a = asNumber(actual);
  const b = asNumber(wanted);
  let order;
  if (a !== null && b !== null) order = a === b ? 0 : a < b ? -1 : 1;
  else if (typeof actual === "boolean" || typeof wanted === "boolean") order = String(actual) === String(wanted) ? 0 : NaN;
  else {
    const x = String(actual), y = String(wanted ?? "");
    order = x === y ? 0 : x < y ? -1 : 1;
  }
  switch (op) {
    case "=": return order === 0;
    case "!=": return order !== 0;
    case "<": return order < 0;
    case "<=": return order <= 0;
    case ">": return order > 0;
    case ">=": return order >= 0;
    default: return false;
  }
}
