// A stand-in for a customer's website on its own origin: it serves one page that embeds the
// Parlor widget exactly as the embed snippet says, for the chatbot and backend in the query.
// Further query parameters named like the embed attributes (position, accent, open, mode,
// target, load, theme, language) become `data-*` attributes of the script tag, and `target=#id`
// also puts an element with that id on the page for the inline mode. `csp=nowasm` serves the
// page with a Content Security Policy that allows Parlor's scripts and frames but not
// WebAssembly (no 'wasm-unsafe-eval'), as a strict site would.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 3901);

const escape = (value) =>
  String(value).replace(/[&"<>']/g, (c) => ({ "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;", "'": "&#39;" })[c]);

createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  if (url.pathname === "/favicon.ico") {
    res.writeHead(204).end();
    return;
  }
  if (url.pathname !== "/") {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  const backend = url.searchParams.get("backend") ?? "";
  const bot = url.searchParams.get("bot") ?? "";
  const attributes = { theme: "light" };
  for (const name of ["theme", "position", "accent", "open", "mode", "target", "load", "language"]) {
    if (url.searchParams.has(name)) attributes[name] = url.searchParams.get(name);
  }
  const data = Object.entries(attributes)
    .map(([name, value]) => ` data-${name}="${escape(value)}"`)
    .join("");
  const target = attributes.target?.replace(/^#/, "");
  const inline = target
    ? `<section class="support"><h2>Ask us</h2><div id="${escape(target)}" style="height: 520px; max-width: 640px"></div></section>`
    : "";
  const headers = { "content-type": "text/html; charset=utf-8" };
  if (url.searchParams.get("csp") === "nowasm") {
    const parlor = new URL(backend).origin;
    headers["content-security-policy"] = `script-src 'unsafe-inline' ${parlor}; frame-src ${parlor}`;
  }
  res.writeHead(200, headers);
  res.end(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Customer site</title>
<style>body { font-family: serif; color: rgb(200, 0, 0); } button { background: lime; }</style>
</head>
<body>
<h1>A customer's page</h1>
<p>Its own styles are loud on purpose: they must not reach into the widget.</p>
${inline}
<script src="${escape(backend)}/widget.js" data-chatbot-id="${escape(bot)}"${data} async></script>
</body>
</html>`);
}).listen(port, "127.0.0.1");
