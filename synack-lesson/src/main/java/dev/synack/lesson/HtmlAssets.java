package dev.synack.lesson;

/**
 * The style sheet and the one small script of the HTML page, inline so that the page loads nothing.
 */
final class HtmlAssets {
  private HtmlAssets() {}

  static final String CSS =
      """
      body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2937; background: #fff; }
      h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 20px 0 8px; }
      .summary, .legend { color: #4b5563; }
      .controls { position: sticky; top: 0; z-index: 2; background: #fff; padding: 6px 0; display: flex; gap: 8px;
        align-items: center; flex-wrap: wrap; border-bottom: 1px solid #e5e7eb; }
      .controls button { font: inherit; padding: 2px 10px; } #position { color: #4b5563; min-width: 90px; }
      .main { display: flex; gap: 16px; align-items: flex-start; }
      .scroll { overflow: auto; border: 1px solid #e5e7eb; border-radius: 6px; max-height: 80vh; flex: 1 1 auto; }
      .side { flex: 0 0 620px; max-width: 620px; }
      .narration { max-height: 40vh; overflow: auto; margin: 0; padding-left: 28px; border: 1px solid #e5e7eb;
        border-radius: 6px; }
      .narration li { padding: 2px 4px; cursor: pointer; } .narration li:hover { background: #f3f4f6; }
      .narration li.sel { background: #fef3c7; }
      svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; fill: #111827; }
      svg .host { font-weight: bold; font-size: 14px; text-anchor: middle; }
      svg .lifeline { stroke: #9ca3af; stroke-width: 2; }
      svg .time { fill: #6b7280; }
      svg .state { font-weight: bold; fill: #065f46; } svg .fold { fill: #2563eb; font-style: italic; cursor: pointer; }
      svg .timer, svg .note { fill: #6b7280; font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
      svg .label { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
      .seg { cursor: pointer; } .seg line { stroke-width: 1.6; }
      .seg.ok line { stroke: #2563eb; } .head.ok path { fill: #2563eb; }
      .seg.rtx line { stroke: #d97706; } .head.rtx path { fill: #d97706; } .seg.rtx .label { fill: #92400e; }
      .seg.unsent line { stroke: #7c3aed; stroke-dasharray: 6 4; } .head.unsent path { fill: #7c3aed; }
      .seg.lost line { stroke: #dc2626; stroke-dasharray: 4 3; } .seg.lost .label { fill: #991b1b; }
      svg .cross { fill: #dc2626; font-size: 16px; font-weight: bold; text-anchor: middle; }
      svg .why { fill: #dc2626; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
      .seg:hover line { stroke-width: 3.5; } .seg:hover .label { font-weight: bold; }
      .seg.sel line { stroke-width: 4; } .seg.sel .label { font-weight: bold; fill: #b45309; }
      svg text.sel { fill: #b45309; text-decoration: underline; }
      .states rect { fill: #f9fafb; stroke: #9ca3af; } .states text { text-anchor: middle; font-size: 11px; }
      .states .sd-edge { stroke: #d1d5db; fill: none; marker-end: url(#sd-head); } .states marker path { fill: #9ca3af; }
      .states .at0 rect { fill: #dbeafe; stroke: #2563eb; stroke-width: 2; }
      .states .at1 rect { fill: #fee2e2; stroke: #dc2626; stroke-width: 2; }
      .states .at0.at1 rect { fill: #ede9fe; stroke: #7c3aed; }
      .states .sd-mark { font-weight: bold; font-size: 12px; } .states .m0 { fill: #2563eb; text-anchor: end; }
      .states .m1 { fill: #dc2626; text-anchor: start; }
      .plots { display: flex; flex-wrap: wrap; gap: 12px; }
      .plot { border: 1px solid #e5e7eb; border-radius: 6px; }
      .plot .grid { stroke: #f3f4f6; } .plot .axis { stroke: #6b7280; }
      .plot .tick { fill: #6b7280; font-size: 11px; } .plot .plot-title { font-weight: bold; }
      .series { fill: none; stroke-width: 2; }
      .s0 { stroke: #2563eb; fill: #2563eb; } .s1 { stroke: #dc2626; fill: #dc2626; } .s2 { stroke: #059669; fill: #059669; }
      .s3 { stroke: #d97706; fill: #d97706; } .s4 { stroke: #7c3aed; fill: #7c3aed; } .s5 { stroke: #0891b2; fill: #0891b2; }
      polyline.series { fill: none; } .plot text.legend { stroke: none; font-weight: bold; }
      .ts-seg { stroke-width: 2; } .ts-seg.ok { stroke: #111827; } .ts-seg.rtx { stroke: #d97706; stroke-width: 3; }
      .ts-seg.lost { stroke: #dc2626; } .ts-r { fill: #d97706; font-size: 10px; text-anchor: middle; }
      .ts-ack { stroke: #059669; fill: none; stroke-width: 1.5; } .ts-win { stroke: #ca8a04; fill: none; stroke-width: 1.5; }
      .ts-sack { stroke: #7c3aed; stroke-width: 2; } .plot .ts-key { font-size: 11px; fill: #4b5563; font-weight: normal; }
      .ts-key .k-seg { fill: #111827; } .ts-key .k-rtx { fill: #d97706; } .ts-key .k-ack { fill: #059669; }
      .ts-key .k-win { fill: #ca8a04; } .ts-key .k-sack { fill: #7c3aed; }
      .k { display: inline-block; padding: 0 6px; border-left: 14px solid; margin-right: 8px; }
      .k.ok { border-color: #2563eb; } .k.rtx { border-color: #d97706; } .k.lost { border-color: #dc2626; }
      .k.unsent { border-color: #7c3aed; }
      table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
      th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #f3f4f6; white-space: nowrap; }
      tr.state td { color: #065f46; font-weight: bold; } tr.drop td, tr.retransmit td { color: #b91c1c; }
      @media (max-width: 1500px) { .main { flex-direction: column; } .side { flex: none; max-width: none; } }
      """;

  /**
   * Ties sentences and arrows (by {@code data-step}), steps the player through the arrows and moves
   * both ends' markers on the state diagram, switches relative and absolute numbers, and zooms.
   */
  static final String SCRIPT =
      """
      (function () {
        var ladder = document.querySelector('#ladder svg');
        var frames = JSON.parse(document.getElementById('frames').textContent);
        var cur = -1, timer = null, zoom = 1;
        var baseW = +ladder.getAttribute('width'), baseH = +ladder.getAttribute('height');
        function select(step, scroll) {
          document.querySelectorAll('.sel').forEach(function (e) { e.classList.remove('sel'); });
          document.querySelectorAll('[data-step="' + step + '"]').forEach(function (e) {
            e.classList.add('sel');
            if (scroll && e.scrollIntoView) e.scrollIntoView({block: 'nearest', inline: 'nearest'});
          });
          var f = frames.findIndex(function (x) { return String(x.s) === String(step); });
          if (f >= 0) { cur = f; show(); }
        }
        function show() {
          var pos = document.getElementById('position');
          pos.textContent = (cur + 1) + ' / ' + frames.length;
          document.querySelectorAll('.sd-state').forEach(function (g) { g.classList.remove('at0', 'at1'); });
          if (cur < 0) return;
          frames[cur].st.slice(0, 2).forEach(function (state, column) {
            var box = document.querySelector('.sd-state[data-state="' + state + '"]');
            var mark = document.querySelector('.sd-mark[data-column="' + column + '"]');
            if (!box || !mark) return;
            box.classList.add('at' + column);
            var r = box.querySelector('rect');
            var x = +r.getAttribute('x'), y = +r.getAttribute('y') + 17, w = +r.getAttribute('width');
            mark.setAttribute('x', column === 0 ? x - 4 : x + w + 4);
            mark.setAttribute('y', y);
          });
        }
        function go(i) {
          if (frames.length === 0) return;
          cur = Math.max(0, Math.min(frames.length - 1, i));
          var step = frames[cur].s;
          document.querySelectorAll('.sel').forEach(function (e) { e.classList.remove('sel'); });
          document.querySelectorAll('[data-step="' + step + '"]').forEach(function (e) {
            e.classList.add('sel');
            if (e.scrollIntoView) e.scrollIntoView({block: 'nearest', inline: 'nearest'});
          });
          show();
        }
        function stop() {
          if (timer) { clearInterval(timer); timer = null; }
          var b = document.getElementById('play'); b.textContent = b.dataset.play;
        }
        ladder.addEventListener('click', function (ev) {
          var g = ev.target.closest('[data-step]');
          if (g) select(g.getAttribute('data-step'), true);
        });
        document.querySelectorAll('#narration li').forEach(function (li) {
          li.addEventListener('click', function () { select(li.dataset.step, true); });
        });
        document.getElementById('prev').addEventListener('click', function () { stop(); go(cur - 1); });
        document.getElementById('next').addEventListener('click', function () { stop(); go(cur + 1); });
        document.getElementById('play').addEventListener('click', function () {
          if (timer) { stop(); return; }
          var b = document.getElementById('play'); b.textContent = b.dataset.pause;
          if (cur >= frames.length - 1) cur = -1;
          timer = setInterval(function () { if (cur >= frames.length - 1) stop(); else go(cur + 1); }, 900);
        });
        var abs = document.getElementById('absolute');
        function numbers() {
          document.querySelectorAll('#ladder text.label, #narration li').forEach(function (t) {
            t.textContent = abs.checked ? t.dataset.abs : t.dataset.rel;
          });
        }
        abs.addEventListener('change', numbers);
        function scale(f) {
          zoom = Math.max(0.25, Math.min(2, zoom * f));
          ladder.setAttribute('width', Math.round(baseW * zoom));
          ladder.setAttribute('height', Math.round(baseH * zoom));
        }
        document.getElementById('zoomin').addEventListener('click', function () { scale(1.25); });
        document.getElementById('zoomout').addEventListener('click', function () { scale(0.8); });
        show();
      })();
      """;
}
