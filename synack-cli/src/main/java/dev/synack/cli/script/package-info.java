/**
 * Runs scripts in the packetdrill language against a sans-IO {@link dev.synack.stack.Host} in
 * virtual time, as packetdrill runs them against a kernel through a TUN device.
 *
 * <p>The parts, one idea per file: {@link dev.synack.cli.script.Preprocessor} ({@code #ifdef}),
 * {@link dev.synack.cli.script.ScriptParser} (text to {@link dev.synack.cli.script.Script}),
 * {@link dev.synack.cli.script.ScriptRunner} (the event loop and its clock),
 * {@link dev.synack.cli.script.SocketCalls} (system calls on emulated sockets, with errno),
 * {@link dev.synack.cli.script.PacketMatcher} (what a {@code >} line accepts),
 * {@link dev.synack.cli.script.SequenceMap} (script and live sequence numbers),
 * {@link dev.synack.cli.script.Sysctls} and {@link dev.synack.cli.script.Profile} (settings),
 * {@link dev.synack.cli.script.ShellCommands} and {@link dev.synack.cli.script.CodeAssertions}
 * (the few shell and Python lines the suites use). Nothing here depends on picocli, so the
 * package could move to a module of its own.
 *
 * <p>A line the runner cannot honour fails its script as "unsupported": a script never passes by
 * skipping a line.
 */
package dev.synack.cli.script;
