# Packets an attacker or a broken network sends at synack, for AdversarialProbeTest. Run inside
# the test's namespace as root: raw IPv4 packets (IP_HDRINCL) towards synack's address through
# the TUN device, with forged sources. Prints one JSON line with what it sent.
#   attacker.py MODE DST COUNT [SPORT DPORT]
# (The SYN flood is dev.synack.link.SynFlood, natively at a set rate.)
# MODE: rst (RSTs with random sequence numbers on
# the 4-tuple SPORT->DPORT), syn (SYNs on that 4-tuple), data (data segments with random sequence
# and acknowledgment numbers on it), garbage (random bytes behind a valid IPv4 header, and random
# TCP headers with bad checksums), icmp (fragmentation-needed, MTU 68, quoting that 4-tuple),
# churn (COUNT short HTTP connections to DPORT, one after another), closeall (COUNT keep-alive
# HTTP connections to DPORT, then all closed at once, half with RST).
import json, os, random, socket, struct, sys, time

mode, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sport = int(sys.argv[4]) if len(sys.argv) > 4 else 0
dport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
src = sys.argv[6] if len(sys.argv) > 6 else '10.99.0.1'
rnd = random.Random(20261207)
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip(src, dst, proto, payload, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident & 0xffff, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def tcp(src, dst, sp, dp, seq, ack, flags, win=65535, data=b'', good=True):
    h = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, win, 0, 0) + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(h))
    c = csum(pseudo + h) if good else rnd.getrandbits(16)
    return h[:16] + struct.pack('!H', c) + h[18:]

FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16

def churn(n):
    # Short connections, one after another: connect, ask for a small page, read it, close.
    done = 0
    for _ in range(n):
        c = socket.create_connection((dst, dport), timeout=10)
        c.sendall(b'GET /small.bin HTTP/1.0\r\n\r\n')
        while c.recv(65536):
            pass
        c.close()
        done += 1
    return done

def close_all(n):
    # n keep-alive connections with a request answered on each, then all closed at once: half with
    # FIN, half with RST (SO_LINGER 0), as a client process that exits or crashes does.
    conns = []
    for _ in range(n):
        c = socket.create_connection((dst, dport), timeout=10)
        c.sendall(b'GET /small.bin HTTP/1.1\r\nHost: x\r\n\r\n')
        conns.append(c)
    for c in conns:
        got = b''
        while b'\r\n\r\n' not in got:
            got += c.recv(65536)
    for i, c in enumerate(conns):
        if i % 2:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        c.close()
    return n

if mode in ('churn', 'closeall'):
    t0 = time.time()
    n = churn(count) if mode == 'churn' else close_all(count)
    print(json.dumps({'mode': mode, 'sent': n, 'seconds': round(time.time() - t0, 3)}), flush=True)
    sys.exit(0)
sent = 0
t0 = time.time()
for i in range(count):
    if mode == 'rst':
        pkt = ip(src, dst, 6, tcp(src, dst, sport, dport, rnd.getrandbits(32), 0, RST))
    elif mode == 'syn':
        pkt = ip(src, dst, 6, tcp(src, dst, sport, dport, rnd.getrandbits(32), 0, SYN))
    elif mode == 'data':
        pkt = ip(src, dst, 6, tcp(src, dst, sport, dport, rnd.getrandbits(32), rnd.getrandbits(32), PSH | ACK,
                                 data=os.urandom(rnd.randrange(1, 1200))))
    elif mode == 'garbage':
        if i % 2:
            pkt = ip(src, dst, 6, tcp(src, dst, sport, dport, rnd.getrandbits(32), rnd.getrandbits(32),
                                     rnd.getrandbits(8), data=os.urandom(rnd.randrange(0, 100)), good=False))
        else:
            pkt = ip(src, dst, rnd.choice([6, 17, 1, 58, 253]), os.urandom(rnd.randrange(0, 1400)))
    elif mode == 'icmp':
        quoted = ip(dst, src, 6, tcp(dst, src, dport, sport, rnd.getrandbits(32), 0, ACK))[:28]
        body = struct.pack('!BBHHH', 3, 4, 0, 0, 68) + quoted
        body = body[:2] + struct.pack('!H', csum(body)) + body[4:]
        pkt = ip(src, dst, 1, body)
    else:
        sys.exit('unknown mode ' + mode)
    try:
        sock.sendto(pkt, (dst, 0))
        sent += 1
    except OSError:
        pass  # a full device queue drops the packet, as a busy network would
print(json.dumps({'mode': mode, 'sent': sent, 'seconds': round(time.time() - t0, 3)}), flush=True)
