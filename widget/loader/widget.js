/*! Parlor chat widget loader: docs/widget.md. Built into public/widget.js by scripts/build-loader.sh. */
// Paste: <script src="https://YOUR-PARLOR/widget.js" data-chatbot-id="ID" async></script>
// It draws only a launcher in a Shadow DOM root (host and widget styles never mix) and fetches
// the widget (WASM, JS glue, CSS) when the visitor first opens it, or when the browser is idle
// with data-load="idle". It defines window.Parlor at once; calls the widget must answer wait
// until it has loaded. A page whose CSP forbids WebAssembly gets the widget in an iframe from
// Parlor's origin instead, driven by postMessage.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.src) return;
  const data = script.dataset;
  const chatbotId = data.chatbotId;
  const warn = (message) => console.warn("[parlor] " + message);
  if (!chatbotId) return console.error("[parlor] the script tag needs a data-chatbot-id attribute");
  if (window.__parlorWidget) return;
  window.__parlorWidget = true;

  const origin = new URL(script.src).origin;
  // The fallback page on Parlor's own origin runs this loader too, inline, and talks to the
  // loader of the host page; no other page can turn that on.
  // data-frame="inline" is a frame the host page shows inline, which the visitor cannot close.
  const inFrame = /^(true|inline)$/.test(data.frame) && location.origin === origin && parent !== window;
  const theme = data.theme || "light";
  let mode = data.mode || "bubble";
  if (!/^(bubble|inline|fullscreen)$/.test(mode)) {
    warn("data-mode must be bubble, inline or fullscreen");
    mode = "bubble";
  }
  const position = data.position === "left" ? "left" : "right";
  if (data.position && data.position !== position) warn("data-position must be left or right");
  if (data.load && !/^(open|idle)$/.test(data.load)) warn("data-load must be open or idle");
  // The accent goes into CSS, so only a hex colour or a plain colour name is let through.
  let accent = data.accent || "";
  if (accent && !/^(#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]+)$/i.test(accent)) {
    warn("ignoring data-accent: use #rgb, #rrggbb or a colour name");
    accent = "";
  }
  let listeners = {};
  const emit = (name, detail) => {
    for (const callback of (listeners[name] || []).slice()) {
      try {
        callback(detail);
      } catch (err) {
        console.error(err);
      }
    }
    if (inFrame) parent.postMessage({ parlor: "event", name, detail }, "*");
  };
  const options = {
    backend: origin,
    chatbotId,
    theme,
    position,
    accent,
    mode,
    open: true,
    focus: false,
    language: data.language || "",
    frame: inFrame && data.frame === "true",
    emit,
  };
  let root, host, launcher, bundle, mounted, handle, frame, frameReady, ready;
  // Calls for the widget made before it (or, in the fallback, its frame) was ready.
  const later = [];
  const flush = () => later.splice(0).forEach((run) => run());
  const busy = (on) => launcher && (on ? launcher.setAttribute("aria-busy", "true") : launcher.removeAttribute("aria-busy"));

  // Fetches and starts the widget's code once, showing nothing: opening and prefetching share it.
  const fetchBundle = () =>
    (bundle =
      bundle ||
      Promise.all([
        import(origin + "/w/parlor-widget.js").then((mod) =>
          mod.default({ module_or_path: origin + "/w/parlor-widget.wasm" }).then(() => mod),
        ),
        // The widget works without its CSS, so a failed stylesheet does not stop it.
        fetch(origin + "/w/parlor-widget.css").then((r) => (r.ok ? r.text() : ""), () => ""),
      ]).catch((err) => {
        bundle = null;
        throw err;
      }));

  // Whether the page lets WebAssembly compile: a Content Security Policy without
  // 'wasm-unsafe-eval' refuses even this smallest module.
  const wasmAllowed = () =>
    new Promise((resolve) => resolve(WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])))).then(
      () => true,
      () => false,
    );

  const open = (focus) => {
    if (handle || frame) return focus && show();
    if (mounted) return;
    mounted = true;
    busy(true);
    (inFrame ? Promise.resolve(true) : wasmAllowed()).then((allowed) => {
      if (!allowed) return openFrame(focus);
      fetchBundle().then(
        ([mod, css]) => {
          const style = document.createElement("style");
          style.textContent = css;
          const el = document.createElement("div");
          el.style.height = "100%";
          root.append(style, el);
          options.focus = focus;
          handle = mod.mount(el, options);
          if (launcher) launcher.remove();
          ready = true;
          emit("ready");
          if (mode !== "inline") emit("open");
          flush();
        },
        (err) => {
          mounted = false;
          busy(false);
          console.error("[parlor] the chat widget could not be loaded", err);
        },
      );
    });
  };

  // The fallback: the same widget on Parlor's page, which the host page's policy does not govern.
  const openFrame = (focus) => {
    frame = document.createElement("iframe");
    const query = new URLSearchParams({ theme, accent, language: options.language, inline: mode === "inline" });
    frame.src = `${origin}/widget-frame/${encodeURIComponent(chatbotId)}?${query}`;
    frame.title = "Chat";
    frame.className = "f";
    root.append(frame);
    busy(false);
    addEventListener("message", (e) => {
      const message = e.data;
      if (e.source !== frame.contentWindow || e.origin !== origin || !message || message.parlor !== "event") return;
      if (message.name === "close") return hide();
      if (message.name === "ready") {
        frameReady = ready = true;
        emit("ready");
        flush();
        return focus && show();
      }
      emit(message.name, message.detail);
    });
    emit("open");
  };

  const call = (method, args) => {
    const run = () =>
      handle ? handle[method](...args) : frame.contentWindow.postMessage({ parlor: "call", method, args }, origin);
    if (handle || frameReady) run();
    else later.push(run);
  };

  const show = () => {
    if (handle) return handle.open();
    if (frame.hidden) emit("open");
    frame.hidden = false;
    if (launcher) launcher.setAttribute("aria-expanded", "true");
    frame.focus();
    call("open", []);
  };

  const hide = () => {
    if (handle) return handle.close();
    if (!frame || mode === "inline" || frame.hidden) return;
    // The launcher takes the focus only from the frame: a page's own close button keeps it.
    const inside = root.activeElement === frame;
    frame.hidden = true;
    if (launcher) {
      launcher.setAttribute("aria-expanded", "false");
      if (inside) launcher.focus();
    }
    emit("close");
  };

  const api = {
    open: () => open(true),
    close: hide,
    toggle: () => (handle ? handle.toggle() : frame && !frame.hidden ? hide() : open(true)),
    // Kept until the widget loads, which sends it to the server to be checked.
    identify: (who) => (handle || frame ? call("identify", [who]) : (options.identity = who)),
    setLocale: (tag) => {
      options.language = String(tag);
      if (handle || frame) call("setLocale", [options.language]);
    },
    sendMessage: (text) => {
      call("sendMessage", [String(text)]);
      open(true);
    },
    on: (name, callback) => {
      (listeners[name] = listeners[name] || []).push(callback);
      if (name === "ready" && ready) callback();
      return api;
    },
    destroy: () => {
      if (handle) handle.destroy();
      if (host) host.remove();
      listeners = {};
      handle = frame = null;
      window.__parlorWidget = false;
      if (window.Parlor === api) delete window.Parlor;
    },
  };
  // Calls queued by the page's stub before this script ran: window.Parlor = {q: [[name, args]]}.
  const queued = (window.Parlor && window.Parlor.q) || [];
  window.Parlor = api;
  if (inFrame) {
    addEventListener("message", (e) => {
      const message = e.data;
      if (e.source === parent && message && message.parlor === "call" && /^(open|identify|setLocale|sendMessage)$/.test(message.method)) {
        api[message.method](...message.args);
      }
    });
  }

  const start = () => {
    host = document.createElement("div");
    host.setAttribute("data-parlor-widget", "");
    let target = document.body;
    if (mode === "inline") {
      const found = document.getElementById((data.target || "").replace(/^#/, ""));
      if (found) {
        target = found;
        host.style.cssText = "display:block;height:100%";
      } else {
        warn("data-target names no element on the page; showing the bubble");
        options.mode = mode = "bubble";
      }
    }
    root = host.attachShadow({ mode: "open" });
    const dark = theme === "dark" || (theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
    const bg = accent || (dark ? "#8b85ff" : "#4f46e5");
    // Black or white on the accent, whichever reads better (as in the widget's CSS).
    const fg = accent ? `#fff;color:lch(from ${accent} calc((50 - l)*1000) 0 0)` : dark ? "#12121a" : "#fff";
    const side = position + ":20px;";
    const full = "{inset:0;width:100%;height:100%;border-radius:0}";
    // The launcher, and the fallback's iframe placed as the widget's own panel is, covering the
    // screen where the panel does.
    root.innerHTML =
      `<style>:host{all:initial}.l{position:fixed;${side}bottom:20px;z-index:2147483000;width:56px;height:56px;` +
      `border:0;border-radius:50%;background:${bg};color:${fg};cursor:pointer;box-shadow:0 6px 20px #0004;` +
      `display:flex;align-items:center;justify-content:center}.l:focus-visible{outline:3px solid ${bg};outline-offset:3px}` +
      `.f{position:fixed;${side}bottom:88px;z-index:2147483000;width:min(380px,calc(100vw - 24px));height:min(560px,calc(100vh - 110px));` +
      `border:0;border-radius:16px;box-shadow:0 12px 40px #0004}.f[hidden]{display:none}` +
      (mode === "inline" ? ".f{position:static;width:100%;height:100%;box-shadow:none}" : "") +
      (mode === "fullscreen" ? ".f" + full : "") +
      `@media (max-width:640px){.f${full}}</style>` +
      (mode === "inline"
        ? ""
        : `<button class=l type=button aria-expanded=false><svg viewBox="0 0 24 24" width=28 height=28 aria-hidden=true>` +
          `<path fill=currentColor d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg></button>`);
    launcher = root.querySelector("button");
    if (launcher) launcher.addEventListener("click", () => (frame && !frame.hidden ? hide() : open(true)));
    target.append(host);
    for (const [name, args] of queued) if (api[name]) api[name](...args);
    if (launcher && !handle) {
      // Its name in the widget's language (a queued setLocale counts), before the widget and
      // its translations load.
      const names = { de: "Chat öffnen", fr: "Ouvrir le chat", es: "Abrir el chat", pt: "Abrir o chat", ja: "チャットを開く" };
      const lang = (options.language || navigator.language || "").slice(0, 2).toLowerCase();
      launcher.setAttribute("aria-label", names[lang] || "Open chat");
    }
    if (mode === "inline" || data.open === "true") {
      open(false);
    } else if (data.load === "idle") {
      // After the page's load, when the browser is idle: the first open is then instant.
      const idle = () => (window.requestIdleCallback || setTimeout)(() => fetchBundle().catch(() => {}));
      if (document.readyState === "complete") idle();
      else addEventListener("load", idle);
    }
  };

  // An inline target must exist before the widget goes into it.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
