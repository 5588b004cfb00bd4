/**
 * Runs scripts in the packetdrill language against a sans-IO {@link dev.synack.stack.Host} in
 * virtual time, as packetdrill runs them against a kernel through a TUN device.
 *
 * <p>The parts, one idea per file: {@link dev.synack.cli.script.Preprocessor} ({@code #ifdef}),
 * {@link dev.synack.cli.script.ScriptParser} (text to {@link dev.synack.cli.script.Script}) with
 * {@link dev.synack.cli.script.PacketParser} (packet lines),
 * {@link dev.synack.cli.script.ScriptRunner} (the event loop and its clock),
 * {@link dev.synack.cli.script.SocketCalls} (system calls on emulated sockets, with errno), with
 * {@link dev.synack.cli.script.DataArgs} (lengths and flags of the data calls),
 * {@link dev.synack.cli.script.SocketOptions} and {@link dev.synack.cli.script.EpollCalls},
 * {@link dev.synack.cli.script.PacketMatcher} (what a {@code >} line accepts),
 * {@link dev.synack.cli.script.InboundPackets} and {@link dev.synack.cli.script.IcmpPackets} (what
 * a {@code <} line injects), {@link dev.synack.cli.script.SequenceMap} (script and live sequence
 * numbers), {@link dev.synack.cli.script.Sysctls}, {@link dev.synack.cli.script.LinuxSysctls} and
 * {@link dev.synack.cli.script.Profile} (settings), {@link dev.synack.cli.script.ShellCommands},
 * {@link dev.synack.cli.script.CodeAssertions} and {@link dev.synack.cli.script.PythonCode} (shell
 * lines and Python blocks). Nothing here depends on picocli, so the package could move to a module
 * of its own.
 *
 * <p>A line the runner cannot honour fails its script as "unsupported": a script never passes by
 * skipping a line.
 */
package dev.synack.cli.script;
