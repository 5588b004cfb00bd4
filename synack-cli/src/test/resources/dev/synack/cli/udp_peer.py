"""The kernel's side of the UDP interop test: one datagram in, one datagram back.

  udp_peer.py ADDRESS PORT REPLY   bind a UDP socket, receive one datagram (up to 64 KiB), send
                                   REPLY bytes of a pattern back to its sender, and print one JSON
                                   line: what arrived (length, SHA-256) and what was sent
"""
import hashlib
import json
import socket
import sys


def main():
    address, port, reply_length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((address, port))
    print("listening", flush=True)
    s.settimeout(30)
    data, peer = s.recvfrom(65535)
    reply = bytes((i * 13 + 1) & 0xFF for i in range(reply_length))
    s.sendto(reply, peer)
    print(json.dumps({"received": len(data), "received_sha": hashlib.sha256(data).hexdigest(), "sent": len(reply),
                      "sent_sha": hashlib.sha256(reply).hexdigest()}), flush=True)


main()
