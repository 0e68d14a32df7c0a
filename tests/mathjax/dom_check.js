// Typeset TeX with MathJax 3 (CHTML output, as in Anki) and report active content in the DOM.
// stdin: JSON [{"id": "...", "tex": "...", "display": false}, ...]
// argv: TeX packages (default: base ams boldsymbol cancel html bbox, i.e. with the risky ones,
//       so the report shows what a command would do in Anki's MathJax, which has them all)
// stdout: JSON {"checked": N, "findings": [{"id", "tex", "what"}], "errors": [{"id", "message"}]}
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {CHTML} = require('mathjax-full/js/output/chtml.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
require('mathjax-full/js/input/tex/AllPackages.js');

const packages = process.argv.length > 2 ? process.argv.slice(2)
  : ['base', 'ams', 'boldsymbol', 'cancel', 'html', 'bbox'];
const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({packages, formatError: (jax, err) => { throw err; }});
const chtml = new CHTML({fontURL: 'fonts'});
const doc = mathjax.document('', {InputJax: tex, OutputJax: chtml});

// Elements that fetch something by themselves, and attributes that link or load.
const LOADERS = new Set(['img', 'image', 'iframe', 'script', 'link', 'object', 'embed', 'use',
  'audio', 'video', 'source', 'style', 'frame', 'form', 'base', 'meta', 'svg:image', 'foreignobject']);
const URL_ATTRS = ['href', 'xlink:href', 'src', 'srcset', 'action', 'formaction', 'data', 'poster'];

function inspect(node, found) {
  if (node.kind && node.kind !== '#text' && node.kind !== '#comment') {
    const name = node.kind.toLowerCase();
    if (LOADERS.has(name)) found.push(`element <${name}>`);
    const attrs = node.attributes || {};
    for (const [key, raw] of Object.entries(attrs)) {
      const k = key.toLowerCase();
      const v = String(raw);
      if (URL_ATTRS.includes(k)) found.push(`${k}="${v}"`);
      if (k.startsWith('on')) found.push(`handler ${k}`);
      // MathJax's own layout uses `position: relative` and small offsets (arrows, \cancelto): it
      // stays in the formula's box. Other positioning, an offset over 5em, or a URL is reported.
      const offsets = [...v.matchAll(/(?:^|;)\s*(?:top|left|right|bottom|inset)\s*:\s*(-?[\d.]+)(\w*)/gi)];
      const far = offsets.some((m) => parseFloat(m[1]) !== 0 && (m[2] !== 'em' || Math.abs(parseFloat(m[1])) > 5));
      const positioned = /position\s*:(?!\s*relative\s*(;|$))/i.test(v) || far;
      if (k === 'style' && (positioned || /url\s*\(|@import|expression\s*\(/i.test(v))) found.push(`style="${v}"`);
    }
  }
  for (const child of node.children || []) inspect(child, found);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const items = JSON.parse(input);
  const findings = [];
  const errors = [];
  for (const item of items) {
    try {
      const node = doc.convert(item.tex, {display: !!item.display});
      const found = [];
      inspect(node, found);
      for (const what of found) findings.push({id: item.id, tex: item.tex, what});
    } catch (e) {
      errors.push({id: item.id, message: String(e.message || e)});
    }
  }
  process.stdout.write(JSON.stringify({checked: items.length, findings, errors}));
});
