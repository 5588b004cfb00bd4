package dev.synack.cli.watch;

import dev.synack.trace.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --watch} page: a table of the host's connections with their states, and the ladder of
 * the chosen one (the newest, until one is clicked), growing as the {@code /events} stream brings
 * segments. Sequence and acknowledgment numbers are relative to each direction's first sequence
 * number seen, and windows scaled, as in the HTML report; below it, the narration of the chosen
 * connection, sentence by sentence as the host settles them ({@code say} events, the same sentences
 * as the HTML report in the same language). It loads nothing but its own stream.
 */
final class WatchPage {
  private WatchPage() {}

  /** Connections kept in the table; the oldest closed ones leave first. */
  static final int MAX_CONNECTIONS = 200;

  /** Steps drawn per connection; past this the page says how many more came. */
  static final int MAX_STEPS = 3000;

  /**
   * Returns the page titled {@code title}, its words in {@code lang} ({@code en} or {@code zh}).
   */
  static String html(String title, String lang) {
    Map<String, String> w = words(lang);
    return TEMPLATE
        .replace("{lang}", lang)
        .replace("{title}", escape(title))
        .replace("{words}", Json.write(w).replace("</", "<\\/"))
        .replace("{connections}", escape(w.get("connections")))
        .replace("{hint}", escape(w.get("hint")))
        .replace("{conn}", escape(w.get("conn")))
        .replace("{state}", escape(w.get("state")))
        .replace("{segments}", escape(w.get("segments")))
        .replace("{none}", escape(w.get("none")))
        .replace("{narration}", escape(w.get("narration")))
        .replace("{MAX_CONNECTIONS}", Integer.toString(MAX_CONNECTIONS))
        .replace("{MAX_STEPS}", Integer.toString(MAX_STEPS));
  }

  private static Map<String, String> words(String lang) {
    Map<String, String> w = new LinkedHashMap<>();
    boolean zh = lang.equals("zh");
    w.put("connections", zh ? "连接" : "Connections");
    w.put(
        "hint",
        zh
            ? "点击一个连接，查看它的时序图；默认显示最新的连接。"
            : "Click a connection to see its ladder; the newest is shown until you do.");
    w.put("conn", zh ? "连接（本端-对端）" : "connection (local-remote)");
    w.put("state", zh ? "状态" : "state");
    w.put("segments", zh ? "报文段" : "segments");
    w.put("none", zh ? "还没有连接。" : "No connection yet.");
    w.put("live", zh ? "实时：已连接" : "live: connected");
    w.put("down", zh ? "已断开：synack 已停止，或正在重连" : "disconnected: synack stopped, or reconnecting");
    w.put(
        "lost",
        zh
            ? "浏览器太慢，丢失了 {browser} 个事件；在源头丢失 {source} 个。时序图不完整。"
            : "{browser} events lost because the browser was too slow, {source} at the source: the ladder is incomplete.");
    w.put(
        "forgotten",
        zh
            ? "打开页面之前的 {n} 个较早事件未保留。"
            : "{n} earlier events, from before the page was opened, were not kept.");
    w.put("more", zh ? "还有 {n} 步未画出。" : "{n} more steps not drawn.");
    w.put("local", zh ? "synack（本端）" : "synack (local)");
    w.put("remote", zh ? "对端" : "peer");
    w.put("narration", zh ? "过程说明" : "What happens");
    w.put("rtx", zh ? "（重传）" : " (retransmission)");
    return w;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static final String TEMPLATE =
      """
      <!DOCTYPE html>
      <html lang="{lang}">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title>{title}</title>
      <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
      #status { font-weight: bold; }
      #status.up { color: #1a7f37; } #status.down { color: #b42318; }
      #lost, #forgotten { color: #b42318; }
      table { border-collapse: collapse; margin: .5em 0 1em; }
      th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
      tr[data-conn] { cursor: pointer; }
      tr.chosen { background: #e8f0fe; }
      tr.closed td { color: #888; }
      td.state { font-family: monospace; }
      svg text { font: 12px monospace; }
      svg text.state { fill: #1f4e99; font-weight: bold; }
      svg .send line, svg .recv line { stroke: #222; stroke-width: 1.4; }
      svg .rtx line { stroke: #c2410c; }
      svg .rtx text { fill: #c2410c; }
      svg .drop line { stroke: #b42318; stroke-dasharray: 4 3; }
      svg .drop text { fill: #b42318; }
      svg line.life { stroke: #999; stroke-width: 2; }
      </style>
      </head>
      <body>
      <h1>{title}</h1>
      <p id="status" class="down"></p>
      <p id="lost" hidden></p>
      <p id="forgotten" hidden></p>
      <h2>{connections}</h2>
      <p>{hint}</p>
      <table id="conns"><thead><tr><th>{conn}</th><th>{state}</th><th>{segments}</th></tr></thead><tbody></tbody></table>
      <p id="none">{none}</p>
      <h2 id="ladder-title"></h2>
      <div id="ladder-box"><svg id="live-ladder" xmlns="http://www.w3.org/2000/svg" width="900" height="60"></svg></div>
      <p id="more" hidden></p>
      <h2>{narration}</h2>
      <ol id="narration"></ol>
      <script type="application/json" id="words">{words}</script>
      <script>
      (function () {
        'use strict';
        var W = JSON.parse(document.getElementById('words').textContent);
        var MAX_CONNECTIONS = {MAX_CONNECTIONS}, MAX_STEPS = {MAX_STEPS};
        var NS = 'http://www.w3.org/2000/svg';
        var LEFT = 250, RIGHT = 650, ROW = 26, TOP = 44;
        var conns = new Map(), chosen = null, clicked = false;
        var tbody = document.querySelector('#conns tbody'), svg = document.getElementById('live-ladder');
        var status = document.getElementById('status'), narration = document.getElementById('narration');

        function conn(key) {
          var c = conns.get(key);
          if (c) return c;
          c = { key: key, state: '', segments: 0, steps: [], says: [], more: 0, base: { send: null, recv: null }, ws: { send: null, recv: null }, synSeen: { send: false, recv: false }, row: null };
          conns.set(key, c);
          var tr = document.createElement('tr');
          tr.dataset.conn = key;
          tr.innerHTML = '<td class="conn"></td><td class="state"></td><td class="segs">0</td>';
          tr.querySelector('.conn').textContent = key;
          tr.addEventListener('click', function () { clicked = true; choose(key); });
          tbody.appendChild(tr);
          c.row = tr;
          document.getElementById('none').hidden = true;
          trim();
          if (!clicked) choose(key);
          return c;
        }

        function trim() {
          if (conns.size <= MAX_CONNECTIONS) return;
          for (var [k, c] of conns) {
            if (k !== chosen && (c.state === 'CLOSED' || c.state === 'TIME_WAIT')) { c.row.remove(); conns.delete(k); return; }
          }
        }

        function rel(value, base) {
          if (base === null) return value;
          return (value - base + 4294967296) % 4294967296;
        }

        // Flags in the order the textbooks and the ladder write them: SYN,ACK and FIN,ACK.
        var ORDER = ['SYN', 'FIN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
        function flags(e) {
          return e.flags.slice().sort(function (a, b) { return ORDER.indexOf(a) - ORDER.indexOf(b); }).join(',');
        }

        // RFC 7323 §2.2-2.3: a SYN's window is never scaled; the others are when both SYNs offered a scale.
        function scaledWindow(c, e, dir) {
          if (e.flags.indexOf('SYN') >= 0) return e.win;
          if (c.ws.send === null || c.ws.recv === null || c.ws.send < 0 || c.ws.recv < 0) return e.win;
          return e.win * Math.pow(2, c.ws[dir]);
        }

        // Each direction's numbers start from its SYN (or the first segment seen, joined late); its scale from the SYN.
        function learn(c, e, dir) {
          var syn = e.flags.indexOf('SYN') >= 0;
          var changed = false;
          if (c.base[dir] === null || (syn && !c.synSeen[dir])) { changed = c.base[dir] !== null; c.base[dir] = e.seq; }
          if (syn && !c.synSeen[dir]) {
            c.synSeen[dir] = true;
            var m = /wscale (\\d+)/.exec(e.options || '');
            c.ws[dir] = m ? Number(m[1]) : -1;
            changed = true;
          }
          return changed;
        }

        function label(c, e, dir) {
          var other = dir === 'send' ? 'recv' : 'send';
          var s = flags(e) + ' seq=' + rel(e.seq, c.base[dir]);
          if (e.flags.indexOf('ACK') >= 0) s += ' ack=' + rel(e.ack, c.base[other]);
          s += ' win=' + scaledWindow(c, e, dir);
          if (e.len > 0) s += ' len=' + e.len;
          if (e.event === 'retransmit') s += W.rtx;
          if (e.event === 'drop' && e.reason) s += ' ✗ ' + e.reason;
          return s;
        }

        function before(a, b) {
          if (a.t !== b.t) return a.t < b.t;
          return a.dir === 'recv' && b.dir === 'send';
        }

        // A sentence of the narration, as the --html page tells the same step (the host settles it once its instant is past).
        function say(text) {
          var li = document.createElement('li');
          li.textContent = text;
          narration.appendChild(li);
        }

        function onEvent(e) {
          if (!e.conn || e.conn.indexOf('-') < 0) return;
          var c = conn(e.conn);
          if (e.event === 'say') {
            c.says.push(e.text);
            if (chosen === c.key) say(e.text);
            return;
          }
          var step;
          if (e.event === 'state') {
            c.state = e.to;
            step = { kind: 'state', text: e.to };
            c.row.querySelector('.state').textContent = e.to;
            c.row.classList.toggle('closed', e.to === 'CLOSED' || e.to === 'TIME_WAIT');
          } else if (e.flags) {
            var dir = (e.event === 'recv' || e.event === 'drop') ? 'recv' : 'send';
            c.segments++;
            c.row.querySelector('.segs').textContent = c.segments;
            var relearn = learn(c, e, dir);
            step = { kind: e.event, dir: dir, flags: flags(e), e: e, t: e.t };
          } else {
            return;
          }
          step.t = e.t;
          if (c.steps.length >= MAX_STEPS) { c.more++; if (chosen === c.key) drawMore(c); return; }
          // In time order: a host may trace an arrival after the answer it caused (each keeps its own time);
          // at one instant, an arrival before what was sent then.
          var at = c.steps.length;
          while (at > 0 && before(step, c.steps[at - 1])) at--;
          c.steps.splice(at, 0, step);
          if (chosen !== c.key) return;
          if (at < c.steps.length - 1 || relearn) {
            choose(c.key);
          } else {
            draw(c, step, at);
            grow(c);
          }
        }

        function choose(key) {
          chosen = key;
          conns.forEach(function (c) { c.row.classList.toggle('chosen', c.key === key); });
          var c = conns.get(key);
          document.getElementById('ladder-title').textContent = key;
          while (svg.firstChild) svg.removeChild(svg.firstChild);
          var parts = key.split('-');
          head(LEFT, W.local + ' ' + parts[0]);
          head(RIGHT, W.remote + ' ' + parts.slice(1).join('-'));
          for (var i = 0; i < c.steps.length; i++) draw(c, c.steps[i], i);
          while (narration.firstChild) narration.removeChild(narration.firstChild);
          c.says.forEach(say);
          grow(c);
          drawMore(c);
        }

        function head(x, text) {
          var t = el('text', { x: x, y: 16, 'text-anchor': 'middle', 'class': 'head' });
          t.textContent = text;
          svg.appendChild(el('line', { x1: x, y1: 24, x2: x, y2: 24, 'class': 'life' }));
          svg.appendChild(t);
        }

        function el(name, attrs) {
          var e = document.createElementNS(NS, name);
          for (var k in attrs) e.setAttribute(k, attrs[k]);
          return e;
        }

        function draw(c, step, i) {
          var y = TOP + i * ROW;
          if (step.kind === 'state') {
            var t = el('text', { x: LEFT - 10, y: y + 4, 'text-anchor': 'end', 'class': 'state', 'data-step': i });
            t.textContent = step.text;
            svg.appendChild(t);
            return;
          }
          var g = el('g', { 'class': 'seg ' + step.dir + (step.kind === 'retransmit' ? ' rtx' : '') + (step.kind === 'drop' ? ' drop' : ''),
            'data-flags': step.flags, 'data-step': i });
          var from = step.dir === 'send' ? LEFT : RIGHT, to = step.dir === 'send' ? RIGHT : LEFT;
          var tip = step.dir === 'send' ? -8 : 8;
          g.appendChild(el('line', { x1: from, y1: y - 6, x2: to, y2: y + 6 }));
          g.appendChild(el('line', { x1: to + tip, y1: y + 1, x2: to, y2: y + 6 }));
          g.appendChild(el('line', { x1: to + tip, y1: y + 9, x2: to, y2: y + 6 }));
          var t = el('text', { x: (LEFT + RIGHT) / 2, y: y - 8, 'text-anchor': 'middle' });
          t.textContent = label(c, step.e, step.dir);
          g.appendChild(t);
          svg.appendChild(g);
        }

        function grow(c) {
          var h = TOP + Math.max(1, c.steps.length) * ROW + 10;
          svg.setAttribute('height', h);
          svg.querySelectorAll('line.life').forEach(function (l) { l.setAttribute('y2', h - 4); });
          if (!clicked) window.scrollTo(0, document.body.scrollHeight);
        }

        function drawMore(c) {
          var p = document.getElementById('more');
          p.hidden = c.more === 0;
          p.textContent = W.more.replace('{n}', c.more);
        }

        function connect() {
          var source = new EventSource('/events');
          source.onopen = function () { status.textContent = W.live; status.className = 'up'; };
          source.onerror = function () { status.textContent = W.down; status.className = 'down'; };
          source.addEventListener('hello', function (m) {
            // A reconnection replays the history: start again from it.
            conns.forEach(function (c) { c.row.remove(); });
            conns.clear();
            chosen = null;
            while (svg.firstChild) svg.removeChild(svg.firstChild);
            while (narration.firstChild) narration.removeChild(narration.firstChild);
            document.getElementById('none').hidden = false;
            var n = JSON.parse(m.data).forgotten;
            var f = document.getElementById('forgotten');
            f.hidden = n === 0;
            f.textContent = W.forgotten.replace('{n}', n);
          });
          source.addEventListener('lost', function (m) {
            var d = JSON.parse(m.data), p = document.getElementById('lost');
            p.hidden = false;
            p.textContent = W.lost.replace('{browser}', d.browser).replace('{source}', d.source);
          });
          source.onmessage = function (m) { onEvent(JSON.parse(m.data)); };
        }
        status.textContent = W.down;
        connect();
      })();
      </script>
      </body>
      </html>
      """;
}
