#!/usr/bin/env node
// Comment stripper for JavaScript/TypeScript, used by tools/world_check.py.
//
// Reads one JSON request per line on stdin: {"text": "...", "kind": "js|jsx|ts|tsx"}
// and answers one JSON line: {"code": TEXT_WITHOUT_COMMENTS, "errors": N}.
// The text is parsed by the TypeScript compiler's parser (pinned npm package
// `typescript`, unpacked by tools/make_world.py into WORLD/_tools); every
// token is kept byte for byte with the whitespace around it, and only the
// comments in the trivia between tokens are removed.  JSDoc nodes, which the
// parser hangs on declarations, are comments and are skipped.  "errors" is the
// number of syntax errors the parser reported.
//
//   NODE_PATH=WORLD/_tools/node_modules node tools/world_strip.js
"use strict";
const ts = require("typescript");
const readline = require("readline");

const KIND = { js: ts.ScriptKind.JS, jsx: ts.ScriptKind.JSX, ts: ts.ScriptKind.TS, tsx: ts.ScriptKind.TSX };
const FIRST_JSDOC = ts.SyntaxKind.FirstJSDocNode;
const LAST_JSDOC = ts.SyntaxKind.LastJSDocNode;

// The gap between two tokens holds only trivia; drop its comments.
function stripTrivia(gap, variant) {
  if (!gap.includes("/")) return gap;
  const sc = ts.createScanner(ts.ScriptTarget.Latest, false, variant, gap);
  let out = "";
  for (let t = sc.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = sc.scan()) {
    if (t === ts.SyntaxKind.SingleLineCommentTrivia || t === ts.SyntaxKind.MultiLineCommentTrivia) continue;
    if (t === ts.SyntaxKind.WhitespaceTrivia || t === ts.SyntaxKind.NewLineTrivia ||
        t === ts.SyntaxKind.ConflictMarkerTrivia || t === ts.SyntaxKind.ShebangTrivia) {
      out += sc.getTokenText();
      continue;
    }
    return gap; // not trivia after all: keep the gap whole (strict)
  }
  return out;
}

function strip(text, kind) {
  const sk = KIND[kind] || ts.ScriptKind.JS;
  const name = "x." + (kind || "js");
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, sk);
  const variant = (sk === ts.ScriptKind.JSX || sk === ts.ScriptKind.TSX) ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard;
  const parts = [];
  let pos = 0;
  function leaf(n) {
    const start = n.getStart(sf, false);
    if (start > pos) parts.push(stripTrivia(text.slice(pos, start), variant));
    if (n.end > start) parts.push(text.slice(start, n.end));
    pos = Math.max(pos, n.end);
  }
  function walk(n) {
    if (n.kind >= FIRST_JSDOC && n.kind <= LAST_JSDOC) return;
    const kids = n.getChildren(sf);
    if (kids.length === 0 || n.kind === ts.SyntaxKind.JsxText) { leaf(n); return; }
    for (const k of kids) walk(k);
  }
  walk(sf);
  if (pos < text.length) parts.push(stripTrivia(text.slice(pos), variant));
  return { code: parts.join(""), errors: (sf.parseDiagnostics || []).length };
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let reply;
  try {
    const req = JSON.parse(line);
    reply = strip(req.text, req.kind);
  } catch (e) {
    reply = { error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
