"""Servers for ForwarderTest, run in the test's server namespace: HTTP (files of a directory),
HTTP/1.1 with keep-alive on 8081,
a TCP half-close peer, a UDP echo and a tiny DNS resolver. Prints 'ready' once all listen."""
import functools, http.server, socket, socketserver, struct, sys, threading

addr4, addr6, root = sys.argv[1], sys.argv[2], sys.argv[3]


class Http6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def serve_http(cls, addr):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    cls((addr, 8080), handler).serve_forever()


class KeepAliveHandler(http.server.SimpleHTTPRequestHandler):
    # HTTP/1.1: the connection stays open for the next request (SimpleHTTPRequestHandler's own
    # default is HTTP/1.0, one request per connection).
    protocol_version = "HTTP/1.1"


def serve_keep_alive(addr):
    handler = functools.partial(KeepAliveHandler, directory=root)
    handler.log_message = lambda *a: None
    http.server.ThreadingHTTPServer((addr, 8081), handler).serve_forever()


def half_close(family, addr):
    # Reads to EOF (the client's FIN), then answers with the byte count and closes.
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7000))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_half_close, args=(c,), daemon=True).start()


def serve_half_close(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        n += len(b)
    c.sendall(b"got %d" % n)
    c.close()


def server_first(family, addr):
    # Sends a greeting and shuts down its side first, then reads what the client sends until EOF.
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7001))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.sendall(b"hello")
        c.shutdown(socket.SHUT_WR)
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            n += len(b)
        print("server-first got %d" % n, flush=True)
        c.close()


def resetter(family, addr):
    # Accepts, reads one line, and aborts with a RST (SO_LINGER 0).
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7002))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()


def slow_sink(family, addr):
    # Accepts and reads nothing until the test creates the file 'go', then reads to EOF.
    import os, time
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7003))
    s.listen(16)
    while True:
        c, _ = s.accept()
        while not os.path.exists(os.path.join(root, "go")):
            time.sleep(0.05)
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            n += len(b)
        print("slow-sink got %d" % n, flush=True)
        c.close()


def echo(family, addr):
    # Echoes what each connection sends until its EOF; the connection stays open meanwhile.
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7004))
    s.listen(256)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_echo, args=(c,), daemon=True).start()


def serve_echo(c):
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)
    c.close()


def udp_echo(family, addr):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 7007))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)


def dns(family, addr):
    # Answers every query with one A record, 192.0.2.53 (RFC 1035 §4.1).
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        end = 12
        while q[end] != 0:
            end += q[end] + 1
        question = q[12:end + 5]
        header = q[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00"
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 53])
        s.sendto(header + question + answer, peer)


for family, addr in ((socket.AF_INET, addr4), (socket.AF_INET6, addr6)):
    for target in (half_close, server_first, resetter, slow_sink, echo, udp_echo, dns):
        threading.Thread(target=target, args=(family, addr), daemon=True).start()
threading.Thread(target=serve_http, args=(http.server.ThreadingHTTPServer, addr4), daemon=True).start()
threading.Thread(target=serve_http, args=(Http6, addr6), daemon=True).start()
threading.Thread(target=serve_keep_alive, args=(addr4,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
