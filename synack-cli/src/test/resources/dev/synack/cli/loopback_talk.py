#!/usr/bin/env python3
"""Makes the Linux kernel talk TCP to itself on loopback, for captures.

usage: loopback_talk.py PORT talk|reset

talk:  three-way handshake, "hello\n" from the client, "hi\n" back, then the four-way teardown:
       the client closes first; the server waits half a second before closing, so that its ACK of the
       client's FIN and its own FIN are separate segments (FIN; ACK; FIN; ACK).
reset: handshake, "bye\n" from the client, then the client aborts with SO_LINGER 0, which makes
       the kernel send RST instead of FIN.
"""
import socket
import struct
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(1)


def serve():
    conn, _ = listener.accept()
    conn.recv(100)
    if mode == "talk":
        conn.sendall(b"hi\n")
        while conn.recv(100):
            pass
        time.sleep(0.5)
    else:
        time.sleep(0.3)
    conn.close()


server = threading.Thread(target=serve)
server.start()
client = socket.create_connection(("127.0.0.1", port))
if mode == "talk":
    client.sendall(b"hello\n")
    client.recv(100)
    time.sleep(0.1)
    client.close()
else:
    client.sendall(b"bye\n")
    time.sleep(0.1)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
server.join()
listener.close()
