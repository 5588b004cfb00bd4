package dev.synack.cli;

import dev.synack.lesson.HtmlReport;
import dev.synack.trace.TraceEvent;
import java.io.IOException;
import java.util.List;

/**
 * The page of a run with several connections (or none): a list of them, each with its endpoints,
 * its segments and the states it went through, and below it the chosen one's own page, in a frame
 * (each connection's page is kept in the file, so that it opens offline and loads nothing).
 */
final class RunPageChooser {
  private RunPageChooser() {}

  /** Writes the chooser page of {@code conns}; {@code leftOut} events of the run were not kept. */
  static void write(
      List<RenderCommand.Conn> conns, HtmlReport.Options options, long leftOut, Appendable out)
      throws IOException {
    boolean zh = options.lang().equals("zh");
    out.append("<!DOCTYPE html>\n<html lang=\"")
        .append(options.lang())
        .append("\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        .append(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>")
        .append(escape(options.title()))
        .append("</title>\n<style>\n")
        .append("body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; }\n")
        .append("#choose li { cursor: pointer; font-family: monospace; padding: 1px 4px; }\n")
        .append("#choose li.chosen { background: #e8f0fe; }\n")
        .append(
            "iframe { width: 100%; height: 92vh; border: 1px solid #ccc; }\n</style>\n</head>\n<body>\n<h1>")
        .append(escape(options.title()))
        .append("</h1>\n<p>");
    if (conns.isEmpty()) {
      out.append(zh ? "这次运行没有连接。" : "No connection in this run.")
          .append("</p>\n</body>\n</html>\n");
      return;
    }
    out.append(
        zh
            ? conns.size() + " 个连接。点击一个连接，查看它的时序图和解说。"
            : conns.size() + " connections. Click one to see its ladder and narration.");
    if (leftOut > 0) {
      out.append(
          zh
              ? "（运行很长：之后的 " + leftOut + " 个事件未画出。）"
              : " (A long run: its last " + leftOut + " events are not drawn.)");
    }
    out.append("</p>\n<ol id=\"choose\">\n");
    for (int i = 0; i < conns.size(); i++) {
      RenderCommand.Conn c = conns.get(i);
      out.append("<li data-page=\"page-")
          .append(Integer.toString(i))
          .append("\">")
          .append(escape(summary(c, zh)))
          .append("</li>\n");
    }
    out.append("</ol>\n<iframe id=\"page\" title=\"connection\"></iframe>\n");
    for (int i = 0; i < conns.size(); i++) {
      RenderCommand.Conn c = conns.get(i);
      String page =
          HtmlReport.render(
              RenderCommand.withPeer(c),
              options
                  .withHosts(RenderCommand.hostsOf(c))
                  .withTitle(options.title() + " — " + c.key()));
      // A textarea holds the page as text: its escapes are undone by the browser, nothing in it is
      // parsed.
      out.append("<textarea hidden id=\"page-")
          .append(Integer.toString(i))
          .append("\">")
          .append(escape(page))
          .append("</textarea>\n");
    }
    out.append("<script>\n(function () {\n")
        .append("  var frame = document.getElementById('page');\n")
        .append("  var items = document.querySelectorAll('#choose li');\n")
        .append("  function show(li) {\n")
        .append("    items.forEach(function (x) { x.classList.toggle('chosen', x === li); });\n")
        .append("    frame.srcdoc = document.getElementById(li.dataset.page).value;\n  }\n")
        .append(
            "  items.forEach(function (li) { li.addEventListener('click', function () { show(li); }); });\n")
        .append("  show(items[0]);\n})();\n</script>\n</body>\n</html>\n");
  }

  /**
   * Returns one line on a connection: its endpoints, its segments, and its states from first to
   * last.
   */
  static String summary(RenderCommand.Conn c, boolean zh) {
    long segments = c.events().stream().filter(e -> e instanceof TraceEvent.Segment).count();
    String first = null;
    String last = null;
    for (TraceEvent e : c.events()) {
      if (e instanceof TraceEvent.StateChange s) {
        if (first == null) first = s.from();
        last = s.to();
      }
    }
    return c.key()
        + "  "
        + segments
        + (zh ? " 个报文段" : " segments")
        + (first == null ? "" : "  " + first + " … " + last);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
