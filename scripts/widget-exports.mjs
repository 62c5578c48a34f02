// Lists the exports of the widget's WASM that are not its own entry points, one per line, and
// exits 1 if there are any (scripts/measure-widget.sh runs it after the release build).
//
// Allowed: the widget's own entry points (`mount` and the methods of `Handle`, which is
// `window.Parlor`); what wasm-bindgen adds (memory, `__wbindgen_*`/`__wbg_*` glue, closure
// adapters, its abort hooks); and what Leptos itself always links (its wasm-split marker, and
// the `IntoUnderlying*` stream adapters of wasm-streams, through server_fn). Anything else, such
// as a portal island's `ChatbotEditor_…` (a WASM that links a crate with `#[island]`s exports
// every island), is foreign.
//
//   node scripts/widget-exports.mjs target/widget-site/w/parlor-widget.wasm
//   node scripts/widget-exports.mjs --self-test   # proves the check flags an island
import { readFileSync } from "node:fs";

const own = /^(mount|handle_(open|close|toggle|identify|setLocale|sendMessage|destroy))$/;
const bindgen =
  /^(memory|__wbindgen_\w+|__wbg_\w+|__externref_\w+|wasm_bindgen_[0-9a-f]+___convert__closures\w*|\$_[0-9a-z]+|__abort_handler|__instance_terminated)$/;
const leptos = /^(_WASM_SPLIT_MARKER_[0-9a-f]+version|intounderlying(bytesource|sink|source)_\w+)$/;

export function foreignExports(bytes) {
  return WebAssembly.Module.exports(new WebAssembly.Module(bytes))
    .map((e) => e.name)
    .filter((name) => !own.test(name) && !bindgen.test(name) && !leptos.test(name));
}

// A minimal module exporting one function under each of `names`.
function moduleExporting(names) {
  const enc = new TextEncoder();
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const section = (id, body) => [id, ...leb(body.length), ...body];
  const exports = names.flatMap((name) => { const b = enc.encode(name); return [...leb(b.length), ...b, 0x00, 0x00]; });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]), // type 0: () -> ()
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [...leb(names.length), ...exports]),
    ...section(10, [1, 2, 0, 0x0b]), // its body: end
  ]);
}

if (process.argv[2] === "--self-test") {
  const clean = foreignExports(moduleExporting(["mount", "handle_open", "__wbindgen_malloc"]));
  const island = foreignExports(moduleExporting(["mount", "ChatbotEditor_a1b2c3"]));
  if (clean.length !== 0 || island.join() !== "ChatbotEditor_a1b2c3") {
    console.error(`self-test failed: clean=${clean} island=${island}`);
    process.exit(2);
  }
} else {
  const foreign = foreignExports(readFileSync(process.argv[2]));
  for (const name of foreign) console.log(name);
  process.exit(foreign.length ? 1 : 0);
}
