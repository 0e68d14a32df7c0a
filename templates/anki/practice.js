/* ankigen practice: answer boxes on a problem card's front, verdicts on its back.
 * The judge mirrors ankigen/answerjudge.py + answerparse.py (the Python reference):
 * keep both in step (tests/test_practice_js.py compares them). Plain ES2017,
 * no eval, no new Function, no network. Everything lives in window.ankigenPractice.
 *
 * Card contract. Front: <div id="ankigen-practice" [data-item="id"] [data-variant="k"]></div>,
 * a JSON script element with id "ankigen-check" holding {"item": id, "variants": [spec, ...]}
 * (ankigen.answers.check_json), and this script. Back: the front side, then a div with id
 * "ankigen-feedback" (its presence marks the back). A div with id "ankigen-variants" holds the
 * note's other variants (ankigen/variants.py); the picked one replaces every [data-part] element. Variant k = data-variant, else (FNV-1a(item) + local day) mod K (variantIndex).
 * Typed text is kept under "ankigen:<item>:<k>:<day>" in sessionStorage and in memory; a front
 * forgets every earlier answer. Without JavaScript nothing here runs: no box, a self-graded card. */
(function (root) {
  "use strict";
  var MAX_CHARS = 300, MAX_DEPTH = 40;
  var FUNCS = ["sqrt", "exp", "ln", "log", "log2", "log10", "sin", "cos", "tan", "abs"];
  var CONSTS = { "pi": Math.PI, "\u03c0": Math.PI, "e": Math.E };
  var CLOSE = { "(": ")", "[": "]", "{": "}" };
  var NUM = /^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/;
  var SUPER = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b\u207a";
  var SUPER_TO = "0123456789-+";
  var REPLACE = { "\u3002": ".", "\uff0e": ".", "\uff0c": ",", "\u3001": ",", "\u2212": "-",
    "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u2044": "/" };
  var SPACES = " \t\n\r\f\v\u200b\ufeff";
  var OPS = "+-*/^()[]{},\u221a";
  var DEFAULTS = { rtol: 1e-6, atol: 1e-9, sig: null, close_rtol: 0.02 };
  var LEVELS = ["correct", "close", "wrong"];

  function AnswerError(msg) { this.message = msg; }
  function ShapeError(msg) { this.message = msg; }
  function has(obj, k) { return Object.prototype.hasOwnProperty.call(obj, k); }

  function normalise(text) {
    var out = "", i = 0, chars = Array.from(String(text));
    while (i < chars.length) {
      if (SUPER.indexOf(chars[i]) >= 0) {
        var run = "";
        while (i < chars.length && SUPER.indexOf(chars[i]) >= 0) { run += SUPER_TO[SUPER.indexOf(chars[i])]; i++; }
        out += "^(" + run + ")";
      } else { out += chars[i]; i++; }
    }
    var s = out.normalize("NFKC"), res = "";
    Array.from(s).forEach(function (c) {
      if (SPACES.indexOf(c) < 0) res += has(REPLACE, c) ? REPLACE[c] : c;
    });
    return res;
  }

  function isLetter(c) { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "\u03c0"; }

  function splitWord(word, known) {
    var parts = [], p = 0;
    while (p < word.length) {
      var q = word.length;
      while (q > p && !has(known, word.slice(p, q))) q--;
      if (q === p) throw new AnswerError("unknown name '" + word + "'");
      parts.push(word.slice(p, q)); p = q;
    }
    return parts;
  }

  function tokenize(s, names) {
    var known = {}, toks = [], i = 0;
    FUNCS.concat(Object.keys(CONSTS), names).forEach(function (n) { known[n] = true; });
    while (i < s.length) {
      var c = s[i], m = NUM.exec(s.slice(i));
      if (m) { toks.push(["num", m[0]]); i += m[0].length; }
      else if (c === "*" && s[i + 1] === "*") { toks.push(["op", "^"]); i += 2; }
      else if (OPS.indexOf(c) >= 0) { toks.push(["op", c]); i++; }
      else if (isLetter(c)) {
        var j = i, k;
        while (j < s.length && isLetter(s[j])) j++;
        k = j;
        while (k < s.length && s[k] >= "0" && s[k] <= "9") k++;
        if (k > j && has(known, s.slice(i, k))) { toks.push(["name", s.slice(i, k)]); i = k; continue; }
        splitWord(s.slice(i, j), known).forEach(function (w) { toks.push(["name", w]); });
        i = j;
      } else {
        throw new AnswerError("unexpected character '" + String.fromCodePoint(s.codePointAt(i)) + "'");
      }
    }
    return toks;
  }

  function Parser(toks, names) { this.toks = toks; this.names = names; this.i = 0; this.depth = 0; }
  Parser.prototype.peek = function () { return this.i < this.toks.length ? this.toks[this.i] : null; };
  Parser.prototype.is = function (kind, text) {
    var t = this.peek(); return t !== null && t[0] === kind && t[1] === text;
  };
  Parser.prototype.take = function () {
    var t = this.peek(); if (t === null) throw new AnswerError("unexpected end"); this.i++; return t;
  };
  Parser.prototype.enter = function () {
    this.depth++; if (this.depth > MAX_DEPTH) throw new AnswerError("too deeply nested");
  };
  Parser.prototype.top = function () {
    var items = this.items(), t = this.peek();
    if (t !== null) throw new AnswerError("unexpected '" + t[1] + "'");
    return items.length === 1 ? items[0] : ["list", "", items];
  };
  Parser.prototype.items = function () {
    var out = [this.expr()];
    while (this.is("op", ",")) { this.i++; out.push(this.expr()); }
    return out;
  };
  Parser.prototype.expr = function () {
    this.enter();
    var node = this.term();
    while (this.is("op", "+") || this.is("op", "-")) { var op = this.take()[1]; node = ["bin", op, node, this.term()]; }
    this.depth--;
    return node;
  };
  Parser.prototype.term = function () {
    var node = this.unary();
    for (;;) {
      var t = this.peek();
      if (this.is("op", "*") || this.is("op", "/")) { this.i++; node = ["bin", t[1], node, this.unary()]; }
      else if (t !== null && (t[0] === "name" || this.is("op", "(") || this.is("op", "\u221a"))) {
        node = ["bin", "*", node, this.power()];
      } else if (t !== null && t[0] === "num") { throw new AnswerError("unexpected number '" + t[1] + "'"); }
      else return node;
    }
  };
  Parser.prototype.unary = function () {
    if (this.is("op", "-") || this.is("op", "+")) {
      var neg = this.take()[1] === "-";
      this.enter(); var node = this.unary(); this.depth--;
      return neg ? ["neg", node] : node;
    }
    return this.power();
  };
  Parser.prototype.power = function () {
    var base = this.atom();
    if (this.is("op", "^")) { this.i++; this.enter(); var ex = this.unary(); this.depth--; return ["bin", "^", base, ex]; }
    return base;
  };
  Parser.prototype.atom = function () {
    var t = this.take(), kind = t[0], text = t[1], node;
    if (kind === "num") return ["num", parseFloat(text)];
    if (kind === "name") return this.name(text);
    if (text === "\u221a") { this.enter(); node = this.power(); this.depth--; return ["fn", "sqrt", node]; }
    if (has(CLOSE, text)) {
      this.enter();
      if (this.is("op", CLOSE[text])) throw new AnswerError("empty brackets");
      var items = this.items();
      this.expect(CLOSE[text]); this.depth--;
      return text === "(" && items.length === 1 ? items[0] : ["list", text, items];
    }
    throw new AnswerError("unexpected '" + text + "'");
  };
  Parser.prototype.name = function (text) {
    if (FUNCS.indexOf(text) >= 0) {
      if (!this.is("op", "(")) throw new AnswerError("write " + text + "(\u2026) with parentheses");
      this.i++; this.enter();
      var node = this.expr();
      this.expect(")"); this.depth--;
      return ["fn", text, node];
    }
    if (this.names.indexOf(text) >= 0) return ["var", text];
    return ["num", CONSTS[text]];
  };
  Parser.prototype.expect = function (close) {
    if (!this.is("op", close)) throw new AnswerError("missing '" + close + "'");
    this.i++;
  };

  function parse(s, names) {
    names = names || [];
    if (Array.from(s).length > MAX_CHARS) throw new AnswerError("too long");
    if (!s) throw new AnswerError("unexpected end");
    return new Parser(tokenize(s, names), names).top();
  }

  function log(f) { return function (x) { return x < 0 ? NaN : (x === 0 ? -Infinity : f(x)); }; }
  function trig(f) { return function (x) { return (x === Infinity || x === -Infinity) ? NaN : f(x); }; }
  var FN = { sqrt: function (x) { return x < 0 ? NaN : Math.sqrt(x); }, exp: Math.exp,
    ln: log(Math.log), log: log(Math.log), log2: log(Math.log2), log10: log(Math.log10),
    sin: trig(Math.sin), cos: trig(Math.cos), tan: trig(Math.tan), abs: Math.abs };

  function isList(v) { return Array.isArray(v) && v[0] === "list"; }
  function scalar(v) { if (isList(v)) throw new AnswerError("cannot compute with a list"); return v; }

  function evaluate(node, env) {
    var kind = node[0];
    if (kind === "num") return node[1];
    if (kind === "var") return env[node[1]];
    if (kind === "neg") return -scalar(evaluate(node[1], env));
    if (kind === "fn") return FN[node[1]](scalar(evaluate(node[2], env)));
    if (kind === "list") return ["list", node[1], node[2].map(function (x) { return evaluate(x, env); })];
    var a = scalar(evaluate(node[2], env)), b = scalar(evaluate(node[3], env)), op = node[1];
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    return op === "/" ? a / b : Math.pow(a, b);
  }

  /* ---------------------------------------------------------------- judging */
  function roundSig(x, sig) { return (x === 0 || !isFinite(x)) ? x : parseFloat(x.toPrecision(sig)); }

  function level(t, v, e) {
    if (!isFinite(t)) return 2;
    var d = Math.abs(t - v);
    if (d <= Math.max(e.atol, e.rtol * Math.abs(v))) return 0;
    if (e.sig && roundSig(t, e.sig) === roundSig(v, e.sig)) return 0;
    return d <= Math.max(e.atol, e.close_rtol * Math.abs(v)) ? 1 : 2;
  }

  function scalars(items, msg) {
    if (items.some(isList)) throw new ShapeError(msg);
    return items.slice();
  }

  function vector(got, n) {
    var msg = "expected a vector of " + n + " entries, like (1, 2)", items;
    if (!isList(got)) items = [got];
    else if (got[1] === "{") throw new ShapeError(msg);
    else if (got[2].every(function (x) { return isList(x) && x[2].length === 1 && x[1] !== "{"; })) {
      items = got[2].map(function (x) { return x[2][0]; });
    } else if (got[2].length === 1 && isList(got[2][0]) && got[2][0][1] !== "{") items = got[2][0][2];
    else items = got[2];
    var out = scalars(items, msg);
    if (out.length !== n) throw new ShapeError(msg);
    return out;
  }

  function matrix(got, r, c) {
    var msg = "expected a " + r + "\u00d7" + c + " matrix, like [[1, 2], [3, 4]]", out = [];
    if (!isList(got) || got[1] === "{" || got[2].length !== r) throw new ShapeError(msg);
    got[2].forEach(function (row) {
      if (!isList(row) || row[1] === "{" || row[2].length !== c) throw new ShapeError(msg);
      out = out.concat(scalars(row[2], msg));
    });
    return out;
  }

  function set(got, n) {
    var msg = "expected " + n + " numbers, like {2, 3}";
    var out = scalars(isList(got) ? got[2] : [got], msg);
    if (out.length !== n) throw new ShapeError(msg);
    return out;
  }

  function shapeOf(value) {
    if (Array.isArray(value)) return value.length && Array.isArray(value[0]) ? "matrix" : "vector";
    return "number";
  }

  function asFlat(got, kind, want) {
    if (kind === "number") { if (isList(got)) throw new ShapeError("expected one number"); return [got]; }
    if (kind === "vector") return vector(got, want.length);
    if (kind === "matrix") return matrix(got, want.length, want[0].length);
    return set(got, want.length);
  }

  function flat(value) {
    if (Array.isArray(value)) return value.reduce(function (acc, x) { return acc.concat(flat(x)); }, []);
    return [value];
  }

  function byValue(a, b) { return a - b; }

  function compare(gots, wants, e, isSet) {
    var worst = 0;
    for (var i = 0; i < gots.length; i++) {
      var got = gots[i], want = wants[i];
      if (isSet) {
        if (!got.every(isFinite)) return 2;
        got = got.slice().sort(byValue); want = want.slice().sort(byValue);
      }
      for (var j = 0; j < got.length; j++) worst = Math.max(worst, level(got[j], want[j], e));
    }
    return worst;
  }

  function entryOf(entry) {
    var e = {};
    Object.keys(DEFAULTS).forEach(function (k) { e[k] = DEFAULTS[k]; });
    Object.keys(entry).forEach(function (k) { if (entry[k] !== null && entry[k] !== undefined) e[k] = entry[k]; });
    return e;
  }

  function typedValues(node, e) {
    if (e.kind === "expr") {
      var kind = shapeOf(e.values[0]);
      var gots = e.points.map(function (p) {
        var env = {};
        e.vars.forEach(function (n, i) { env[n] = p[i]; });
        return asFlat(evaluate(node, env), kind, e.values[0]);
      });
      return [gots, e.values];
    }
    return [[asFlat(evaluate(node, {}), e.kind, e.value)], [e.value]];
  }

  function judge(entry, typed) {
    var e = entryOf(entry), out = { verdict: "", reason: "", message: "", mistake: -1, got: null };
    var s = normalise(typed === null || typed === undefined ? "" : typed), gw;
    function res(extra) { Object.keys(extra).forEach(function (k) { out[k] = extra[k]; }); return out; }
    if (!s) return res({ verdict: "empty" });
    try {
      gw = typedValues(parse(s, e.kind === "expr" ? (e.vars || []) : []), e);
    } catch (err) {
      if (err instanceof AnswerError) return res({ verdict: "unreadable", reason: err.message });
      if (err instanceof ShapeError) return res({ verdict: "wrong", reason: err.message });
      throw err;
    }
    var gots = gw[0], isSet = e.kind === "set";
    out.got = gots;
    var lv = compare(gots, gw[1].map(flat), e, isSet);
    if (lv === 0) return res({ verdict: "correct" });
    var strict = entryOf(e);
    strict.sig = null; strict.close_rtol = 0;
    var mistakes = e.mistakes || [];
    for (var i = 0; i < mistakes.length; i++) {
      var mv = e.kind === "expr" ? mistakes[i].value : [mistakes[i].value];
      if (compare(gots, mv.map(flat), strict, isSet) === 0) {
        return res({ verdict: "mistake", message: mistakes[i].message, mistake: i });
      }
    }
    return res({ verdict: LEVELS[lv] });
  }

  function grade(verdicts) {
    if (verdicts.every(function (v) { return v === "correct"; })) return "Good";
    return verdicts.every(function (v) { return v === "correct" || v === "close"; }) ? "Hard" : "Again";
  }

  function judgeAll(variant, typed) {
    var results = variant.answers.map(function (a, i) { return judge(a, i < typed.length ? typed[i] : ""); });
    return { answers: results, grade: grade(results.map(function (r) { return r.verdict; })) };
  }

  function utf8(s) {
    var bytes = [];
    Array.from(s).forEach(function (ch) {
      var c = ch.codePointAt(0);
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    });
    return bytes;
  }

  function variantIndex(itemId, k, day) {
    var h = 0x811c9dc5;
    utf8(itemId).forEach(function (b) { h = Math.imul(h ^ b, 0x01000193) >>> 0; });
    return (h + day) % k;
  }

  function dayNumber(now) {
    var d = now || new Date();
    return Math.floor((d.getTime() - d.getTimezoneOffset() * 60000) / 86400000);
  }


  /* ---------------------------------------------------------------- the card */
  var PREFIX = "ankigen:";
  var SAY = { correct: "\u2713 correct", close: "\u2248 close \u2014 check your rounding",
    wrong: "\u2717 wrong", unreadable: "? could not read this", empty: "\u2014 no answer" };
  var memory = (root && root.ankigenPractice && root.ankigenPractice.memory) || {};

  function storage() {
    try {
      var s = root.sessionStorage;
      s.setItem(PREFIX + "probe", "1"); s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) { return null; }
  }
  function save(key, values) {
    memory[key] = values.slice();
    var s = storage();
    if (s) { try { s.setItem(key, JSON.stringify(values)); } catch (e) { /* full: memory only */ } }
  }
  function load(key) {
    var s = storage();
    if (s) {
      try { var t = s.getItem(key); if (t !== null) return JSON.parse(t); } catch (e) { /* fall back */ }
    }
    return has(memory, key) ? memory[key] : null;
  }
  function forgetAll() {
    Object.keys(memory).forEach(function (k) { delete memory[k]; });
    var s = storage(), old = [], i;
    if (!s) return;
    try {
      for (i = 0; i < s.length; i++) { if (String(s.key(i)).indexOf(PREFIX) === 0) old.push(s.key(i)); }
      old.forEach(function (k) { s.removeItem(k); });
    } catch (e) { /* nothing stored */ }
  }

  function el(doc, tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* Labels may hold \( \): typeset them, serialised on MathJax's own promise chain
   * (Anki typesets the card after its scripts; AnkiDroid's MathJax may start before us). */
  function typeset(node) {
    var mj = root && root.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise || node.textContent.indexOf("\\(") < 0) return;
    try {
      mj.startup.promise = mj.startup.promise.then(function () { return mj.typesetPromise([node]); })
        .catch(function () { /* leave the text */ });
    } catch (e) { /* leave the text */ }
  }

  function front(doc, host, variant, key) {
    forgetAll();
    var inputs = [], box = el(doc, "div", "ankigen-boxes");
    function store() { save(key, inputs.map(function (i) { return i.value; })); }
    variant.answers.forEach(function (a, i) {
      var row = el(doc, "div", "ankigen-box"), input = el(doc, "input", "ankigen-input");
      var label = el(doc, "label", "ankigen-label", a.label || (variant.answers.length > 1 ? "Answer " + (i + 1) : "Answer"));
      input.type = "text"; input.id = "ankigen-box-" + i; label.htmlFor = input.id;
      ["autocomplete", "autocorrect", "autocapitalize"].forEach(function (n) { input.setAttribute(n, "off"); });
      input.setAttribute("spellcheck", "false");
      input.setAttribute("enterkeyhint", i + 1 < variant.answers.length ? "next" : "done");
      input.addEventListener("input", store);
      input.addEventListener("change", store);
      input.addEventListener("keydown", function (ev) {
        if (ev.key !== "Enter" && ev.keyCode !== 13) return;
        ev.preventDefault();  /* never submit or reload: the text stays */
        store();
        if (i + 1 < inputs.length) inputs[i + 1].focus();
        else if (root && typeof root.pycmd === "function") root.pycmd("ans");  /* desktop: show the answer */
        else input.blur();
      });
      inputs.push(input);
      row.appendChild(label); row.appendChild(input); box.appendChild(row);
    });
    host.textContent = "";
    host.appendChild(box);
    typeset(box);
  }

  function sayVerdict(r) {
    if (r.verdict === "mistake") return "\u2717 " + r.message;
    var text = SAY[r.verdict] || r.verdict;
    return r.reason ? text + " (" + r.reason + ")" : text;
  }

  function back(doc, host, feedback, variant, key) {
    host.textContent = "";
    feedback.textContent = "";
    var typed = load(key);
    if (!Array.isArray(typed) || typed.every(function (t) { return !normalise(t); })) {
      feedback.appendChild(el(doc, "p", "ankigen-none", "Type an answer on the front to have it checked."));
      return;
    }
    var result = judgeAll(variant, typed);
    result.answers.forEach(function (r, i) {
      var a = variant.answers[i], row = el(doc, "div", "ankigen-result ankigen-" + r.verdict);
      row.setAttribute("data-verdict", r.verdict);
      row.appendChild(el(doc, "div", "ankigen-label", a.label || "Answer " + (i + 1)));
      row.appendChild(el(doc, "div", "ankigen-verdict", sayVerdict(r)));
      var you = el(doc, "div", "ankigen-typed", "You typed: ");
      you.appendChild(el(doc, "code", "", typed[i] || ""));
      var exp = el(doc, "div", "ankigen-expected", "Expected: ");
      exp.appendChild(el(doc, "code", "", a.text || JSON.stringify(a.value)));
      row.appendChild(you); row.appendChild(exp);
      feedback.appendChild(row);
    });
    var g = el(doc, "div", "ankigen-grade ankigen-grade-" + result.grade, "Suggested grade: " + result.grade);
    g.setAttribute("data-grade", result.grade);
    feedback.appendChild(g);
    typeset(feedback);
  }

  /* Variant k > 0 of a note: its parts (.v-question, ...) from the hidden Variants field replace
   * the ordinary fields (variant 0) wherever the template marks one with data-part. */
  function showVariant(doc, host, k) {
    host.setAttribute("data-shown-variant", String(k));
    var box = doc.getElementById("ankigen-variants"), src = null, i, j;
    if (!box || k === 0) return;
    for (i = 0; i < box.children.length; i++) {
      if (box.children[i].getAttribute("data-variant") === String(k)) src = box.children[i];
    }
    if (!src) return;
    var targets = doc.querySelectorAll("[data-part]");
    for (i = 0; i < targets.length; i++) {
      var t = targets[i], part = t.getAttribute("data-part");
      if (t.getAttribute("data-ankigen-shown") === String(k)) continue;  /* ran twice */
      for (j = 0; j < src.children.length; j++) {
        if (src.children[j].className === part) {
          while (t.firstChild) t.removeChild(t.firstChild);
          for (var n = src.children[j].firstChild; n; n = n.nextSibling) t.appendChild(n.cloneNode(true));
          t.setAttribute("data-ankigen-shown", String(k));
          typeset(t);
        }
      }
    }
  }

  function init(doc) {
    doc = doc || root.document;
    var host = doc.getElementById("ankigen-practice"), data = doc.getElementById("ankigen-check");
    if (!host || !data) return;
    var feedback = doc.getElementById("ankigen-feedback"), side = feedback ? "back" : "front";
    var check;
    try { check = JSON.parse(data.textContent); } catch (e) { return; }
    var variants = check && check.variants;
    if (!Array.isArray(variants) || !variants.length) return;
    var item = host.getAttribute("data-item") || check.item || "", day = dayNumber();
    var k = host.hasAttribute("data-variant") ? parseInt(host.getAttribute("data-variant"), 10)
      : variantIndex(item, variants.length, day);
    if (!(k >= 0 && k < variants.length)) k = 0;
    showVariant(doc, host, k);
    var key = PREFIX + item + ":" + k + ":" + day;
    if (host.getAttribute("data-ankigen-done") === key + ":" + side) return;  /* ran twice */
    host.setAttribute("data-ankigen-done", key + ":" + side);
    if (side === "front") front(doc, host, variants[k], key);
    else back(doc, host, feedback, variants[k], key);
  }

  function start() {
    try { init(); } catch (e) { /* never break the card: it stays self-graded */ }
  }

  var P = { normalise: normalise, parse: parse, evaluate: evaluate, judge: judge, judgeAll: judgeAll,
    grade: grade, variantIndex: variantIndex, dayNumber: dayNumber, init: init, memory: memory };
  if (typeof module !== "undefined" && module.exports) module.exports = P;
  if (root) {
    root.ankigenPractice = P;
    if (root.document && root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", start);
    } else if (root.document) {
      start();
    }
  }
})(typeof window !== "undefined" ? window : null);
