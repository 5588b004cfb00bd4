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
elif test == "dns-many":
    # N queries, each from a socket (a source port) of its own, all sent before any answer is
    # read; prints how many answered.
    n = int(sys.argv[3])
    socks = []
    for i in range(n):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(5)
        query = struct.pack(">H", i) + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
        s.sendto(query + b"\x07example\x03com\x00\x00\x01\x00\x01", (host, 53))
        socks.append(s)
    answered = 0
    for i, s in enumerate(socks):
        r, _ = s.recvfrom(512)
        if r[:2] == struct.pack(">H", i) and r[-4:] == bytes([192, 0, 2, 53]):
            answered += 1
    print("answered %d" % answered)
elif test == "idle-echo":
    # N connections each send SIZE bytes to the echo server and read them back, then all stay
    # open and idle until this process is ended.
    n, size = int(sys.argv[3]), int(sys.argv[4])
    held = []
    for _ in range(n):
        s = connect(7004)
        s.sendall(b"e" * size)
        got = 0
        while got < size:
            got += len(s.recv(65536))
        held.append(s)
    print("idle %d" % len(held), flush=True)
    time.sleep(120)
elif test == "parallel":
    # N transfers at once in threads, half downloads of /PATH (SHA-256 of each), half uploads of
    # 1 MB to the half-close server (its byte count); prints one line per transfer.
    import hashlib, threading, urllib.request
    n, path = int(sys.argv[3]), sys.argv[4]
    results = []
    def download():
        url = "http://%s:8080/%s" % ("[%s]" % host if family == socket.AF_INET6 else host, path)
        try:
            with urllib.request.urlopen(url, timeout=100) as r:
                results.append(hashlib.sha256(r.read()).hexdigest())
        except Exception as e:
            results.append("error %r" % e)
    def upload():
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(100)
            s.connect((host, 7000))
            s.sendall(b"y" * 1_000_000)
            s.shutdown(socket.SHUT_WR)
            results.append(read_all(s).decode())
        except Exception as e:
            results.append("error %r" % e)
    threads = [threading.Thread(target=download if i % 2 == 0 else upload) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\n".join(results))
elif test == "slow-read":
    # GETs /PATH, reads nothing for 4 s (the relay must hold back the server), prints "paused",
    # waits until the file GO exists, then reads to the end and prints the body's SHA-256.
    import hashlib, os
    s = connect(8080)
    s.sendall(b"GET /" + sys.argv[3].encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    time.sleep(4)
    print("paused", flush=True)
    for _ in range(2400):
        if os.path.exists(sys.argv[4]):
            break
        time.sleep(0.05)
    s.settimeout(100)
    sha, head = hashlib.sha256(), b""
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        if head is not None:
            head += b
            if b"\r\n\r\n" in head:
                sha.update(head.split(b"\r\n\r\n", 1)[1])
                head = None
        else:
            sha.update(b)
    print(sha.hexdigest())
elif test == "udp-refused":
    # A datagram to a closed port: the destination's port unreachable, relayed back, makes the
    # connected socket's receive fail with ECONNREFUSED.
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.connect((host, int(sys.argv[3])))
    s.send(b"anyone there?")
    try:
        s.recv(100)
        print("answered")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
elif test == "udp-unreachable":
    # As udp-refused, with IP_RECVERR (which makes Linux report a router's network or host
    # unreachable on the socket too): prints the errno's name the receive fails with.
    import errno
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, 11, 1)  # IP_RECVERR
    s.settimeout(5)
    s.connect((host, int(sys.argv[3])))
    s.send(b"anyone there?")
    try:
        s.recv(100)
        print("answered")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
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
