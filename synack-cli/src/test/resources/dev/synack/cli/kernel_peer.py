"""The kernel's side of the interop tests: plain Python sockets on the Linux TCP stack.

Each role prints what it saw as one JSON object on its last line; a test reads that. The data
sent is a fixed pattern, so both ends can check what arrived with SHA-256.

  client HOST PORT SEND [--hold S] [--rst]   connect, send SEND bytes while reading, shut down the
                                             sending side (or abort with RST), read to the end
  server PORT ROLE [--send N] [--hold S]     listen, accept one connection, then ROLE:
      echo           send back what arrives until the end, then close
      drain-then-send read to the end (the peer half-closed), wait S seconds in CLOSE-WAIT, then
                     send N bytes and close
      close-first    send N bytes and close at once, then wait for the peer's end
      rst            read a little, then abort with RST (SO_LINGER 0)
  wait-close HOST PORT [--hold S]            connect, read to the end (the peer closed first), stay
                                             in CLOSE-WAIT for S seconds, then close
  refused HOST PORT                          connect and report the error
"""
import argparse
import hashlib
import json
import socket
import struct
import sys
import threading
import time


def pattern(n):
    block = bytes((i * 7 + 3) & 0xFF for i in range(251))
    return (block * (n // len(block) + 1))[:n]


def report(**fields):
    print(json.dumps(fields), flush=True)


def read_all(sock):
    h = hashlib.sha256()
    n = 0
    error = None
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            h.update(data)
            n += len(data)
    except OSError as e:
        error = type(e).__name__
    return n, h.hexdigest(), error


def abort(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def client(a):
    s = socket.create_connection((a.host, a.port), timeout=30)
    port = s.getsockname()[1]
    data = pattern(a.send)
    if a.hold:
        time.sleep(a.hold)
    if a.rst:
        s.sendall(data)
        time.sleep(0.2)
        abort(s)
        report(local_port=port, sent=len(data), aborted=True)
        return
    sent_error = []

    def send():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent_error.append(type(e).__name__)

    t = threading.Thread(target=send)
    t.start()
    n, digest, error = read_all(s)
    t.join()
    s.close()
    report(local_port=port, sent=len(data), sent_sha=hashlib.sha256(data).hexdigest(), received=n,
           received_sha=digest, error=error, send_error=sent_error[0] if sent_error else None)


def server(a):
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", a.port))
    l.listen(4)
    print("listening", flush=True)
    l.settimeout(30)
    c, _ = l.accept()
    c.settimeout(30)
    l.close()
    if a.role == "echo":
        h = hashlib.sha256()
        n = 0
        error = None
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                h.update(data)
                n += len(data)
                c.sendall(data)
        except OSError as e:
            error = type(e).__name__
        c.close()
        report(received=n, received_sha=h.hexdigest(), error=error)
    elif a.role == "drain-then-send":
        n, digest, error = read_all(c)
        time.sleep(a.hold)
        data = pattern(a.send)
        c.sendall(data)
        c.close()
        report(received=n, received_sha=digest, error=error, sent=len(data), sent_sha=hashlib.sha256(data).hexdigest())
    elif a.role == "close-first":
        data = pattern(a.send)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        n, digest, error = read_all(c)
        c.close()
        report(sent=len(data), sent_sha=hashlib.sha256(data).hexdigest(), received=n, error=error)
    elif a.role == "rst":
        c.recv(10)
        abort(c)
        report(aborted=True)


def wait_close(a):
    s = socket.create_connection((a.host, a.port), timeout=30)
    port = s.getsockname()[1]
    n, digest, error = read_all(s)
    time.sleep(a.hold)
    s.close()
    report(local_port=port, received=n, received_sha=digest, error=error)


def refused(a):
    try:
        socket.create_connection((a.host, a.port), timeout=10).close()
        report(error=None)
    except OSError as e:
        report(error=type(e).__name__, message=str(e))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("client")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("send", type=int)
    c.add_argument("--hold", type=float, default=0)
    c.add_argument("--rst", action="store_true")
    s = sub.add_parser("server")
    s.add_argument("port", type=int)
    s.add_argument("role", choices=["echo", "drain-then-send", "close-first", "rst"])
    s.add_argument("--send", type=int, default=0)
    s.add_argument("--hold", type=float, default=0)
    w = sub.add_parser("wait-close")
    w.add_argument("host")
    w.add_argument("port", type=int)
    w.add_argument("--hold", type=float, default=0)
    r = sub.add_parser("refused")
    r.add_argument("host")
    r.add_argument("port", type=int)
    a = p.parse_args()
    {"client": client, "server": server, "wait-close": wait_close, "refused": refused}[a.cmd](a)


if __name__ == "__main__":
    main()
