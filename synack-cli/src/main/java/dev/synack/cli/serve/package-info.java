/**
 * What {@code synack serve} serves, written as a user of synack would write it: each service reads
 * and writes one connection through the blocking {@link dev.synack.socket.TcpSocket}, one virtual
 * thread per connection, and {@link dev.synack.cli.serve.Server} accepts, runs and closes them.
 */
package dev.synack.cli.serve;
