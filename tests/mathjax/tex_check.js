// Typeset TeX strings with MathJax 3 (the engine Anki uses) and report every error.
// stdin: JSON [{"id": "...", "tex": "...", "display": false}, ...]
// stdout: JSON {"checked": N, "errors": [{"id", "tex", "message"}]} (N counts every item; a formula
// that repeats is typeset once and its verdict given to every item that holds it)
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
require('mathjax-full/js/input/tex/base/BaseConfiguration.js');
require('mathjax-full/js/input/tex/ams/AmsConfiguration.js');
require('mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js');
require('mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: ['base', 'ams', 'boldsymbol', 'newcommand'],
  formatError: (jax, err) => { throw err; },
});
const svg = new SVG({fontCache: 'none'});
const doc = mathjax.document('', {InputJax: tex, OutputJax: svg});

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const items = JSON.parse(input);
  const errors = [];
  const seen = new Map();  // (display, tex) -> error message or null: each distinct formula typeset once
  for (const item of items) {
    const key = (item.display ? 'D' : 'I') + item.tex;
    if (!seen.has(key)) {
      let message = null;
      try {
        const node = doc.convert(item.tex, {display: !!item.display});
        const out = adaptor.outerHTML(node);
        if (out.includes('data-mjx-error') || out.includes('merror')) message = 'merror in output';
      } catch (e) {
        message = String(e.message || e);
      }
      seen.set(key, message);
    }
    if (seen.get(key) !== null) errors.push({id: item.id, tex: item.tex, message: seen.get(key)});
  }
  process.stdout.write(JSON.stringify({checked: items.length, errors}));
});
