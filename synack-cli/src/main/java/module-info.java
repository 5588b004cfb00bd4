/** The {@code synack} command line: demo, serve, connect, decode, script, bench. */
module dev.synack.cli {
  requires dev.synack.io;
  requires info.picocli;
  requires java.management;
  opens dev.synack.cli to info.picocli;
  opens dev.synack.cli.bench to info.picocli;
}
