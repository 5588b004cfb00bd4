/**
 * Blocking sockets in the style of {@code java.net.Socket} and {@code java.net.ServerSocket} over a
 * synack host: streams, timeouts, half-close ({@link dev.synack.socket.TcpSocket#shutdownOutput})
 * and abort, safe from many (virtual) threads. Errors are {@code java.net} exceptions with RFC
 * 9293's meaning: refused, reset, timed out.
 *
 * <p>Where to start: {@link dev.synack.socket.TcpServerSocket#bind} on a driver of {@code
 * dev.synack.runtime}, then {@link dev.synack.socket.TcpServerSocket#accept}; or {@link
 * dev.synack.socket.TcpSocket#connect}. The README's "Embed it" section has an HTTP server on a TUN
 * device.
 */
package dev.synack.socket;
