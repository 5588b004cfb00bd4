"""Clients for ForwarderTest, run in the test's client namespace. Usage: client.py TEST HOST [N]."""
import socket, struct, sys, time

test, host = sys.argv[1], sys.argv[2]
family = socket.AF_INET6 if ":" in host else socket.AF_INET


def connect(port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect((host, port))
    return s


def read_all(s):
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


if test == "client-half-close":
    # The client sends 1 MB and shuts down its side; the server still answers after our FIN.
    s = connect(7000)
    s.sendall(b"x" * 1_000_000)
    s.shutdown(socket.SHUT_WR)
    print(read_all(s).decode())
elif test == "server-half-close":
    # The server greets and shuts its side first; we still send 300 kB after its FIN.
    s = connect(7001)
    greeting = read_all(s)
    s.sendall(b"y" * 300_000)
    s.close()
    print(greeting.decode())
elif test == "server-reset":
    s = connect(7002)
    s.sendall(b"line\n")
    try:
        read_all(s)
        print("no reset")
    except ConnectionResetError:
        print("reset")
elif test == "refused":
    try:
        connect(int(sys.argv[3]))
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except OSError as e:
        print("error %s" % e.strerror)
elif test == "udp-echo":
    n = int(sys.argv[3])
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(2)
    ok = 0
    for i in range(n):
        payload = struct.pack(">I", i) + b"e" * 100
        for attempt in range(5):
            s.sendto(payload, (host, 7007))
            try:
                data, _ = s.recvfrom(2048)
            except socket.timeout:
                continue
            if data == payload:
                ok += 1
                break
    print("echoed %d" % ok)
elif test == "dns":
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x07example\x03com\x00" + b"\x00\x01\x00\x01"
    s.sendto(query, (host, 53))
    r, _ = s.recvfrom(512)
    assert r[:2] == b"\x12\x34", r
    print("A %s" % ".".join(str(b) for b in r[-4:]))
elif test == "hold-open":
    # Opens a connection and waits, for the test to reset it from the other side.
    s = connect(int(sys.argv[3]))
    print("connected", flush=True)
    try:
        read_all(s)
        print("eof")
    except ConnectionResetError:
        print("reset")
elif test == "slow-send":
    # Sends until a send makes no progress for 3 s (the path's buffers are full), says how much
    # went, then sends 1 MB more without a timeout and closes.
    s = connect(7003)
    s.settimeout(3)
    chunk = b"z" * 65536
    sent = 0
    try:
        while sent < 512 << 20:
            sent += s.send(chunk)
    except socket.timeout:
        pass
    print("blocked after %d" % sent, flush=True)
    s.settimeout(None)
    s.sendall(b"z" * (1 << 20))
    s.close()
    print("done %d" % (sent + (1 << 20)), flush=True)
elif test == "syn-flood":
    # Sends N SYNs from random ports to random addresses of 10.98.0.0/24 (past the server) and
    # random ports, through the default route: each one the forwarder must hold or drop.
    import random
    n = int(sys.argv[3])
    src = socket.inet_aton("10.99.0.1")
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    rnd = random.Random(7)

    def checksum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff

    for i in range(n):
        dst = "10.98.0.%d" % rnd.randint(3, 254)
        sport, dport = rnd.randint(1024, 65535), rnd.randint(1, 65535)
        header = struct.pack("!HHIIBBHHH", sport, dport, rnd.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = src + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(header))
        header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
        try:
            raw.sendto(header, (dst, 0))
        except OSError:
            pass
    print("sent %d" % n)
