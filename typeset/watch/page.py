"""The preview page: one HTML document with its style and script inline (nothing is loaded
from anywhere else; it works offline).

The server fills in what it knows when the page is asked for — the title, the status line
and the error panel, every text escaped (`html.escape`) — so a failed build shows its
file:line even before the script runs. The script then keeps the page current: it listens to
/events (server-sent events; where a browser has none, it asks /state every second), asks
/state when told the state changed, lays the pages out as spreads, and for each page whose
version changed loads `/page/<i>.png?v=<version>` in the background and swaps it in when it has
arrived (no flicker, no reload, the scroll position kept). Texts from the state are set with
`textContent`, never parsed as HTML. A page just updated is outlined for two seconds; the
browser tab's title starts with ✗ while the build is broken.
"""
from __future__ import annotations

import html

from typeset.watch.preview import State

_STYLE = """
:root { --page-h: 420px; }
* { box-sizing: border-box; }
/* Chinese in the issue's own face (a desk machine may have no CJK font the browser knows;
   a generic family such as system-ui would draw empty boxes before reaching a later one) */
@font-face { font-family: "typeset-issue"; src: url("/font"); font-display: block;
             unicode-range: U+2E80-2FFF, U+3000-303F, U+3100-9FFF, U+F900-FAFF, U+FE30-FE4F,
                            U+FF00-FFEF, U+20000-3FFFF; }
body { margin: 0; background: #d4d4d4; color: #222;
       font: 14px/1.45 "typeset-issue", system-ui, sans-serif; }
header { position: sticky; top: 0; z-index: 3; display: flex; gap: 1.2em; align-items: center;
         padding: 6px 14px; background: #2b2b2b; color: #eee; }
header h1 { font-size: 15px; margin: 0; font-weight: 600; }
#status { flex: 1; color: #ccc; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#status.building { color: #ffd666; }
#conn { font-size: 12px; color: #8c8; } #conn.lost { color: #f77; }
label { font-size: 12px; color: #ccc; }
#problem { position: sticky; top: 34px; z-index: 2; margin: 10px 14px; padding: 10px 14px;
           background: #fff1f0; border: 2px solid #cf1322; border-radius: 4px; color: #5c0011;
           box-shadow: 0 2px 8px rgba(0,0,0,.25); }
#problem[hidden] { display: none; }
#problem .head { font-weight: 600; color: #cf1322; margin-bottom: 4px; }
#where { font-family: "typeset-issue", ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; }
#message { white-space: pre-wrap;
           font-family: "typeset-issue", ui-monospace, "DejaVu Sans Mono", monospace; }
#hint { white-space: pre-wrap; color: #613400; margin-top: 4px; }
#kept { font-size: 12px; color: #874d00; margin-top: 6px; }
main { display: flex; flex-wrap: wrap; gap: 28px 36px; padding: 18px; justify-content: center;
       align-items: flex-start; }
.spread { display: flex; }
figure { margin: 0; }
.page img { display: block; height: var(--page-h); width: auto; background: #fff;
            box-shadow: 0 1px 4px rgba(0,0,0,.35); transition: outline-color 1.5s; outline: 3px solid transparent; }
.page.fresh img { outline-color: #fa8c16; transition: none; }
.page.empty { height: var(--page-h); }
.page figcaption { text-align: center; font-size: 12px; color: #444; margin-top: 3px; }
.left img { border-right: 1px solid #bbb; }
#empty { margin: 40px; color: #555; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var shown = { count: -1, spreads: "", versions: {} };
  var title = document.title.replace(/^✗ /, "");

  function setConn(ok) {
    var c = $("conn");
    c.textContent = ok ? "● live" : "● reconnecting…";
    c.className = ok ? "" : "lost";
  }

  function showProblem(s) {
    var box = $("problem"), err = s.error;
    if (!err) { box.hidden = true; document.title = title; return; }
    $("where").textContent = err.location || "";
    $("message").textContent = err.message || "";
    $("hint").textContent = err.hint ? "hint: " + err.hint : "";
    $("kept").textContent = s.pages.length
      ? "The pages below are from the last good build (" + s.built + ")."
      : "No page has been built yet: fix the file and save it.";
    box.hidden = false;
    document.title = "✗ " + title;
  }

  function slot(index, side) {
    var fig = document.createElement("figure");
    fig.className = "page " + (side ? "right" : "left");
    if (index === null) { fig.className += " empty"; return fig; }
    fig.id = "p" + index;
    var img = document.createElement("img");
    img.decoding = "async";
    fig.appendChild(img);
    fig.appendChild(document.createElement("figcaption"));
    return fig;
  }

  function layout(s) {
    var main = $("spreads");
    main.textContent = "";
    shown.versions = {};
    if (!s.pages.length) {
      var p = document.createElement("p");
      p.id = "empty";
      p.textContent = s.error ? "" : "Building…";
      main.appendChild(p);
    }
    s.spreads.forEach(function (sp) {
      var div = document.createElement("div");
      div.className = "spread";
      div.appendChild(slot(sp[0], 0));
      div.appendChild(slot(sp[1], 1));
      main.appendChild(div);
    });
    shown.count = s.pages.length;
    shown.spreads = JSON.stringify(s.spreads);
  }

  function showPage(p, first) {
    var fig = $("p" + p.index);
    if (!fig) return;
    var img = fig.querySelector("img");
    fig.querySelector("figcaption").textContent =
      p.kind === "blank" ? p.name + " (blank)" : p.name;
    fig.title = p.name + " (" + p.kind + ", PDF page " + (p.index + 1) + ")";
    if (shown.versions[p.index] === p.version) return;
    shown.versions[p.index] = p.version;
    img.width = p.width; img.height = p.height;
    img.alt = p.name;
    var url = "/page/" + p.index + ".png?v=" + p.version;
    var ready = function () {
      if (shown.versions[p.index] !== p.version) return;     // a newer one is on its way
      img.src = url;
      img.dataset.version = String(p.version);
      if (!first) {
        fig.classList.add("fresh");
        setTimeout(function () { fig.classList.remove("fresh"); }, 2000);
      }
    };
    if (first) { ready(); return; }
    var next = new Image();                  // load first, then swap: no blank page between
    next.onload = ready;
    next.onerror = function () { setTimeout(refresh, 500); };
    next.src = url;
  }

  function apply(s) {
    var first = shown.count < 0;
    if (s.pages.length !== shown.count || JSON.stringify(s.spreads) !== shown.spreads) {
      layout(s);
      first = true;
    }
    s.pages.forEach(function (p) { showPage(p, first); });
    var st = $("status");
    st.textContent = s.status;
    st.className = s.building ? "building" : "";
    if (s.title) { title = "typeset watch — " + s.title; $("title").textContent = s.title; }
    showProblem(s);
    document.body.dataset.generation = String(s.generation);
  }

  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch("/state", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) { apply(s); setConn(true); })
      .catch(function () { setConn(false); })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  var zoom = $("zoom");
  var saved = null;
  try { saved = localStorage.getItem("typeset-watch-page-h"); } catch (e) {}
  if (saved) zoom.value = saved;
  var setZoom = function () {
    document.documentElement.style.setProperty("--page-h", zoom.value + "px");
    try { localStorage.setItem("typeset-watch-page-h", zoom.value); } catch (e) {}
  };
  zoom.addEventListener("input", setZoom);
  setZoom();

  if (window.EventSource) {
    var es = new EventSource("/events");
    es.onmessage = refresh;
    es.onopen = function () { setConn(true); };
    es.onerror = function () { setConn(false); };
  } else {
    setInterval(refresh, 1000);
  }
  refresh();
})();
"""


def page_html(state: State) -> str:
    """The page, with what `state` says filled in (escaped)."""
    e = html.escape
    title = state.title or "typeset watch"
    p = state.problem
    problem = ""
    if p is not None:
        kept = (f"The pages below are from the last good build ({e(state.built)})."
                if state.pages else "No page has been built yet: fix the file and save it.")
        problem = (f'<div class="head">The last save did not build</div>'
                   f'<div id="where">{e(p.location)}</div>'
                   f'<div id="message">{e(p.message)}</div>'
                   f'<div id="hint">{e("hint: " + p.hint) if p.hint else ""}</div>'
                   f'<div id="kept">{kept}</div>')
    else:
        problem = ('<div class="head">The last save did not build</div><div id="where"></div>'
                   '<div id="message"></div><div id="hint"></div><div id="kept"></div>')
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{"✗ " if p is not None else ""}typeset watch — {e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1 id="title">{e(title)}</h1>
<span id="status" class="{"building" if state.building else ""}">{e(state.status)}</span>
<label>size <input id="zoom" type="range" min="160" max="1100" step="20" value="420"></label>
<span id="conn">●</span>
</header>
<div id="problem" role="alert"{"" if p is not None else " hidden"}>{problem}</div>
<main id="spreads"><p id="empty">{"" if p is not None else "Loading…"}</p></main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
