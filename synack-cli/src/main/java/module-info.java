/** The {@code synack} command line: demo, serve, connect, decode, script, bench. */
module dev.synack.cli {
  requires dev.synack.io;
  requires dev.synack.lesson;
  requires dev.synack.packetdrill;
  requires info.picocli;
  requires java.management;
  requires jdk.httpserver; // --watch: the live page on loopback
  // sun.misc.Signal: SIGINT and SIGTERM end serve in order, with exit code 0.
  requires jdk.unsupported;

  opens dev.synack.cli to
      info.picocli;
  opens dev.synack.cli.bench to
      info.picocli;
}
