"""The kernel's side of the AccECN interop test: a Python socket on Linux 6.18's TCP, which reports
what its struct tcp_info says of ECN once the data has crossed both ways.

  client HOST PORT SEND   connect, send SEND bytes while reading the echo, shut down the sending
                          side, read to the end, then report
  server PORT             listen, accept one connection, echo to the end, then report

The report is one JSON object on the last line: bytes sent and received, and tcp_info's options,
delivered_ce and the Linux 6.18 AccECN fields (received_ce and the six byte counters, fail mode,
option seen) when the struct is long enough to hold them.
"""
import json
import socket
import struct
import sys
import threading

TCP_INFO = 11


def info(sock):
    raw = sock.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 512)
    out = {"tcpi_len": len(raw), "options": raw[5]}
    out["delivered"], out["delivered_ce"] = struct.unpack_from("=II", raw, 192)
    if len(raw) >= 280:
        (out["received_ce"], out["delivered_e1_bytes"], out["delivered_e0_bytes"], out["delivered_ce_bytes"],
         out["received_e1_bytes"], out["received_e0_bytes"], out["received_ce_bytes"]) = struct.unpack_from("=7I", raw, 248)
        out["accecn_fail_mode"], out["accecn_opt_seen"] = struct.unpack_from("=HH", raw, 276)
    return out


def read_all(sock, sink=None):
    n = 0
    while True:
        data = sock.recv(65536)
        if not data:
            return n
        n += len(data)
        if sink:
            sink(data)


def client(host, port, size):
    s = socket.create_connection((host, port), timeout=30)
    payload = bytes((i * 7 + 3) & 0xFF for i in range(size))

    def send():
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=send)
    t.start()
    received = read_all(s)
    t.join()
    report = info(s)
    report.update(sent=size, received=received)
    s.close()
    print(json.dumps(report), flush=True)


def server(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    s, _ = ls.accept()
    s.settimeout(30)
    received = read_all(s, s.sendall)
    report = info(s)
    report.update(received=received)
    s.shutdown(socket.SHUT_WR)
    s.close()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        server(int(sys.argv[2]))
