/**
 * Blocking sockets in the style of {@code java.net.Socket} and {@code java.net.ServerSocket} over
 * a synack host: streams, timeouts, half-close ({@link dev.synack.socket.TcpSocket#shutdownOutput})
 * and abort, safe from many (virtual) threads. Errors are {@code java.net} exceptions with RFC
 * 9293's meaning: refused, reset, timed out.
 */
package dev.synack.socket;
