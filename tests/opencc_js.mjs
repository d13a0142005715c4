// opencc-js, run with Debian's node, as the oracle of
// tests/test_opencc_oracle.c (the package is the pinned one of
// tools/opencc_npm.py, unpacked under build/npm/).
//
//   node tests/opencc_js.mjs PKGDIR convert FROM TO FILE [FROM TO FILE]...
//       for each triple in turn, converts each line of FILE (split on \n, each converted on its own
//       without its line break, \n or \r\n, as zhfix's stage does) and
//       writes them joined by \n
//   node tests/opencc_js.mjs PKGDIR testcases FILE
//       runs OpenCC's testcases.json: one line "ID<TAB>CONFIG<TAB>OUTPUT"
//       per expected output
//
// FROM and TO are opencc-js locales (cn t tw twp hk hkp jp); a pair with an
// OpenCC configuration uses it (ConverterBuilder), as zhfix does.
import fs from 'fs';
import path from 'path';
import { pathToFileURL } from 'url';

const [, , pkg, mode, ...args] = process.argv;
const lib = (p) => pathToFileURL(path.join(pkg, 'dist/esm-lib', p)).href;
const preset = await import(lib('preset/full.js'));
const { ConverterBuilder } = await import(lib('core.js'));
const build = ConverterBuilder(preset);

function out(s) {
  // Large outputs: write synchronously so nothing is lost at exit.
  fs.writeSync(1, s);
}

if (mode === 'convert') {
  const files = {};
  for (let k = 0; k + 2 < args.length; k += 3) {
    const [from, to, file] = args.slice(k, k + 3);
    const conv = build({ from, to });
    files[file] ??= fs.readFileSync(file, 'utf8').split('\n');
    const lines = files[file];
    const chunk = [];
    let size = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i], cr = l.endsWith('\r');
      chunk.push(cr ? conv(l.slice(0, -1)) + '\r' : conv(l));
      size += l.length;
      if (size > 1 << 20 || i === lines.length - 1) {
        out(chunk.join('\n') + (i === lines.length - 1 ? '' : '\n'));
        chunk.length = 0;
        size = 0;
      }
    }
  }
} else if (mode === 'testcases') {
  // testcases.json has trailing commas (JSONC): drop them outside strings.
  const text = fs.readFileSync(args[0], 'utf8').replace(/,(\s*[}\]])/g, '$1');
  const names = { s: 'cn', t: 't', tw: 'tw', twp: 'twp', hk: 'hk', hkp: 'hkp', jp: 'jp' };
  const res = [], convs = {};
  for (const c of JSON.parse(text).cases) {
    for (const cfg of Object.keys(c.expected)) {
      // s2twp -> cn, twp; tw2sp -> twp, cn; hk2sp -> hkp, cn
      let [f, t] = cfg.split('2');
      if (t === 'sp') { t = 's'; f += 'p'; }
      const conv = (convs[cfg] ??= build({ from: names[f], to: names[t] }));
      res.push(`${c.id}\t${cfg}\t${conv(c.input)}`);
    }
  }
  out(res.join('\n') + '\n');
} else {
  process.stderr.write('usage: opencc_js.mjs PKGDIR convert FROM TO FILE | testcases FILE\n');
  process.exit(2);
}
