/**
 * Runs scripts in the packetdrill language against a sans-IO {@link dev.synack.stack.Host} in
 * virtual time, as packetdrill runs them against a kernel through a TUN device. Start from {@link
 * dev.synack.packetdrill.ScriptSuite} (find, read and run scripts) and {@link
 * dev.synack.packetdrill.ScriptRunner} (one script, one {@link dev.synack.packetdrill.Profile}, one
 * {@link dev.synack.packetdrill.MatchMode}), whose answer is a {@link
 * dev.synack.packetdrill.ScriptResult}.
 *
 * <p>The parts, one idea per file: {@code Preprocessor} ({@code #ifdef}), {@code ScriptParser}
 * (text to a {@code Script}) with {@code PacketParser} (packet lines), {@code ScriptRunner} (the
 * event loop and its clock), {@code SocketCalls} (system calls on emulated sockets, with errno),
 * with {@code DataArgs} (lengths and flags of the data calls), {@code SocketOptions} and {@code
 * EpollCalls}, {@code PacketMatcher} (what a {@code >} line accepts), {@code InboundPackets} and
 * {@code IcmpPackets} (what a {@code <} line injects), {@code SequenceMap} (script and live
 * sequence numbers), {@code Sysctls}, {@code LinuxSysctls} and {@code Profile} (settings), {@code
 * ShellCommands}, {@code CodeAssertions} and {@code PythonCode} (shell lines and Python blocks).
 * The command line ({@code synack script}) is a thin caller in synack-cli.
 *
 * <p>A line the runner cannot honour fails its script as "unsupported": a script never passes by
 * skipping a line.
 */
package dev.synack.packetdrill;
