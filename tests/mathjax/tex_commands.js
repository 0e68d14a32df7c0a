// List the TeX commands and environments that MathJax 3 packages define.
// argv: package names (e.g. base ams boldsymbol cancel)
// stdout: JSON {"commands": [...], "environments": [...]} (command names without the backslash)
const {ConfigurationHandler} = require('mathjax-full/js/input/tex/Configuration.js');
const {MapHandler} = require('mathjax-full/js/input/tex/MapHandler.js');
require('mathjax-full/js/input/tex/AllPackages.js');

const commands = new Set();
const environments = new Set();
for (const pkg of process.argv.slice(2)) {
  const config = ConfigurationHandler.get(pkg);
  if (!config) throw new Error(`no MathJax TeX package '${pkg}'`);
  for (const kind of ['macro', 'delimiter', 'environment']) {
    for (const name of config.handler[kind] || []) {
      const map = MapHandler.getMap(name);
      for (const key of (map && map.map ? map.map.keys() : [])) {
        if (kind === 'environment') environments.add(key);
        else if (kind === 'macro') commands.add(key);
        else if (key.startsWith('\\')) commands.add(key.slice(1));
      }
    }
  }
}
const letters = [...commands].filter((c) => /^[A-Za-z]+$/.test(c)).sort();
process.stdout.write(JSON.stringify({commands: letters, environments: [...environments].sort()}));
