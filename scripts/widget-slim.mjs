// Slims the widget's WASM and its JS glue together, after wasm-bindgen and wasm-opt:
// `node scripts/widget-slim.mjs <parlor-widget.wasm> <parlor-widget.js>`. Three changes:
//
// 1. Short names for wasm-bindgen's imports and closure shims.
// wasm-bindgen names every import `__wbg_<method>_<16 hex digits>` and every closure shim
// `wasm_bindgen_<hash>___convert__closures_____invoke___<types>`; the names are in both files and
// the hashes do not compress, which made them about 4 KB of the widget's gzip weight (BENCHMARKS.md,
// "Widget weight"). Imports become `$0`, `$1`, … and shims `$_0`, `$_1`, …; the widget's own
// entry points (`mount`, `handle_*`) and wasm-bindgen's other exports keep their names.
//
// 2. No stream adapters. Leptos always builds `server_fn` for the browser, whose `wasm-streams`
// exports three JavaScript stream classes (`IntoUnderlyingSource`, `…Sink`, `…ByteSource`); the
// widget calls no server function, so their exports, their code (found dead by `wasm-opt`
// afterwards) and their classes in the glue go.
//
// 3. Two more wasm-opt rounds that flatten and re-loop the control flow (see the end).
//
// Safe by construction: a new name must not occur in the glue before the change, every import's
// old name must occur in it (as a whole name), no old name may remain afterwards, and the glue
// must still parse. A build whose names
// are already short (the script ran) is left alone. Run by `build_widget` in scripts/lib.sh.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [wasmPath, jsPath] = process.argv.slice(2);
if (!wasmPath || !jsPath) {
  console.error("usage: widget-short-names.mjs <wasm> <js>");
  process.exit(2);
}
const wasm = readFileSync(wasmPath);
let js = readFileSync(jsPath, "utf8");

function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [bytes.subarray(start, start + length).toString("utf8"), start + length];
}

const name = (text) => {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([u32(bytes.length), bytes]);
};

// The end of an import's description, after its kind byte.
function skipImportDesc(bytes, kind, at) {
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = readU32(bytes, p);
    if (flags & 1) [, p] = readU32(bytes, p);
    return p;
  };
  switch (kind) {
    case 0: return readU32(bytes, at)[1]; // function: type index
    case 1: return limits(at + 1); // table: element type, limits
    case 2: return limits(at); // memory
    case 3: return at + 2; // global: value type, mutability
    case 4: return readU32(bytes, at + 1)[1]; // tag: attribute, type index
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

const renames = new Map();
const fresh = (prefix) => {
  for (let i = renames.size; ; i++) {
    const candidate = prefix + i.toString(36);
    if (!js.includes(candidate)) return candidate;
  }
};
const isImport = (field) => field.startsWith("__wbg_") || field.startsWith("__wbindgen_");
const isStreamAdapter = (field) => /^(__wbg_)?intounderlying(bytesource|sink|source)_/.test(field);
const dropped = [];
let movedModule = false;
const imported = new Set();
// The closure shims, and wasm-bindgen's own exports that only its glue calls (`__wbindgen_malloc`,
// `__externref_table_alloc`, `__wbg_handle_free`, …). The widget's entry points keep their names.
const isShim = (field) =>
  (field.startsWith("wasm_bindgen_") && field.includes("convert__closures")) ||
  /^(__wbindgen_|__externref_|__wbg_)/.test(field);
// The glue's name for the module of every import, which the WASM repeats for each of them.
const GLUE_MODULE = "./parlor-widget_bg.js";
const SHORT_MODULE = "w";

if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmPath} is not a WASM module`);
const parts = [wasm.subarray(0, 8)];
let at = 8;
while (at < wasm.length) {
  const id = wasm[at];
  const [size, start] = readU32(wasm, at + 1);
  const end = start + size;
  if (id === 2 || id === 7) {
    let [count, p] = readU32(wasm, start);
    let kept = count;
    const entries = [];
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        const [module, afterModule] = readName(wasm, p);
        const [field, afterField] = readName(wasm, afterModule);
        const kind = wasm[afterField];
        const next = skipImportDesc(wasm, kind, afterField + 1);
        let short = field;
        if (isImport(field)) {
          short = fresh("$");
          renames.set(field, short);
          imported.add(field);
        }
        const shortModule = module === GLUE_MODULE ? SHORT_MODULE : module;
        if (shortModule !== module) movedModule = true;
        entries.push(name(shortModule), name(short), wasm.subarray(afterField, next));
        p = next;
      } else {
        const [field, afterField] = readName(wasm, p);
        const next = readU32(wasm, afterField + 1)[1];
        if (isStreamAdapter(field)) {
          dropped.push(field);
          kept -= 1;
          p = next;
          continue;
        }
        let short = field;
        if (isShim(field)) {
          short = fresh("$_");
          renames.set(field, short);
        }
        entries.push(name(short), wasm.subarray(afterField, next));
        p = next;
      }
    }
    const body = Buffer.concat([u32(kept), ...entries]);
    parts.push(Buffer.from([id]), u32(body.length), body);
  } else {
    parts.push(wasm.subarray(at, end));
  }
  at = end;
}

if (renames.size === 0 && dropped.length === 0 && !movedModule) {
  console.log("widget-slim: slim already");
  process.exit(0);
}
const escape = (text) => text.replace(/[$]/g, "\\$");
for (const [old, short] of renames) {
  const pattern = new RegExp(`(?<![\\w$])${escape(old)}(?![\\w$])`, "g");
  const found = js.match(pattern)?.length ?? 0;
  // Every import has its function in the glue; an export may be one the glue never calls.
  if (found === 0 && imported.has(old)) throw new Error(`${old} is not in ${jsPath}: the glue and the WASM do not match`);
  // A function, not a string: `$1` in a replacement string would mean a captured group.
  js = js.replace(pattern, () => short);
}
for (const old of renames.keys()) {
  if (js.includes(old)) throw new Error(`${old} is still in ${jsPath}`);
}
// The glue's classes for the dropped exports, each `export class X{…}` with its
// `Symbol.dispose&&(X.prototype[Symbol.dispose]=X.prototype.free);`.
// The index of the `}` that closes the block opening at or after `from`, skipping strings.
function blockEnd(source, from) {
  let depth = 0;
  let quote = null;
  for (let i = source.indexOf("{", from); i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  throw new Error("unbalanced braces in the glue");
}

function withoutClass(source, className) {
  const start = source.indexOf(`export class ${className}{`);
  if (start < 0) return source;
  let end = blockEnd(source, start) + 1;
  const dispose = `Symbol.dispose&&(${className}.prototype[Symbol.dispose]=${className}.prototype.free);`;
  if (source.startsWith(dispose, end)) end += dispose.length;
  return source.slice(0, start) + source.slice(end);
}
if (dropped.length > 0) {
  for (const className of ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"]) {
    js = withoutClass(js, className);
  }
  if (/export class IntoUnderlying/.test(js)) throw new Error(`a stream class is still in ${jsPath}`);
}

if (movedModule) {
  const key = `"${GLUE_MODULE}":{`;
  if (js.split(key).length !== 2) throw new Error(`${jsPath} does not name the import module once`);
  js = js.replace(key, () => `${SHORT_MODULE}:{`);
}

// The glue's functions for imports that wasm-opt removed from the WASM (they are generated before
// it runs): every `__wbg_…:function(…){…},` left after the renaming is one of them.
function withoutEntry(source, at) {
  const close = blockEnd(source, source.indexOf("function", at));
  const end = source[close + 1] === "," ? close + 2 : close + 1;
  return source.slice(0, at) + source.slice(end);
}
let deadImports = 0;
for (let at = js.search(/[{,]__wbg_\w+:function\(/); at >= 0; at = js.search(/[{,]__wbg_\w+:function\(/)) {
  js = withoutEntry(js, at + 1);
  deadImports += 1;
}
// The finalisers of the stream classes removed above.
js = js.replace(/,\w+="u"<typeof FinalizationRegistry\?\{register:\(\)=>\{\},unregister:\(\)=>\{\}\}:new FinalizationRegistry\(\w+=>\w+\.__wbg_intounderlying\w+_free\(\w+,1\)\)/g, "");
if (/__wbg_intounderlying/.test(js) && dropped.length > 0) {
  // A glue of another shape: its finalisers stay (harmless: nothing registers with them).
  console.log("widget-slim: the stream classes' finalisers stay in the glue");
}

// The glue must still parse as a module.
const check = join(tmpdir(), `widget-slim-${process.pid}.mjs`);
writeFileSync(check, js);
try {
  execFileSync(process.execPath, ["--check", check], { stdio: "inherit" });
} finally {
  rmSync(check, { force: true });
}

writeFileSync(wasmPath, Buffer.concat(parts));
writeFileSync(jsPath, js);
// The adapters' code is dead now, and wasm-opt removes it. The passes: cargo-leptos has run
// `-Oz` once; two more rounds of flattening and re-looping the control flow before `-Oz` shrink
// the WASM by another 1 % gzip (BENCHMARKS.md, "Widget weight", measured against `--converge`,
// `--gufa-optimizing`, `--type-ssa`, `--merge-similar-functions` and three rounds). The features
// are those Rust's wasm32-unknown-unknown target enables, which the module already uses.
const wasmOpt = fileURLToPath(new URL("build-tools/node_modules/.bin/wasm-opt", import.meta.url));
const features = ["bulk-memory", "mutable-globals", "nontrapping-float-to-int", "reference-types", "sign-ext", "multivalue"];
const round = ["--flatten", "--rereloop", "-Oz", "-Oz"];
execFileSync(wasmOpt, [wasmPath, ...features.map((f) => `--enable-${f}`), ...round, ...round, "-o", wasmPath], {
  stdio: "inherit",
});
console.log(
  `widget-slim: ${renames.size} names shortened, ${dropped.length} stream adapter exports dropped, ${deadImports} dead import functions removed from the glue`,
);
