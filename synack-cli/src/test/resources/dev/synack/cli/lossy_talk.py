# One side of a kernel-to-kernel transfer for DecodeAnalysisInteropTest.
#   server ADDR PORT BYTES: accepts one connection, sends BYTES of random data, half-closes, drains.
#   client ADDR PORT: connects, reads to the end. READ (bytes per recv), RCVBUF (0: the kernel's
#   default) and PAUSE (1: stop reading for a second after 200 kB, so the window closes) shape it.
import os, socket, sys, time
role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
if role == 'server':
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); print('listening', flush=True)
    c, _ = s.accept()
    c.sendall(os.urandom(int(sys.argv[4])))
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()
else:
    c = socket.socket(fam, socket.SOCK_STREAM)
    rcvbuf = int(os.environ.get('RCVBUF', '0'))
    if rcvbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    c.settimeout(60)
    c.connect((addr, port))
    got, paused, read = 0, os.environ.get('PAUSE', '0') != '1', int(os.environ.get('READ', '65536'))
    while True:
        if not paused and got > 200000:
            time.sleep(1.0)
            paused = True
        b = c.recv(read)
        if not b:
            break
        got += len(b)
    c.close()
    print('got', got, flush=True)
