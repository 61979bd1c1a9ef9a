#!/usr/bin/env python3
"""Memory that comes back: RSS (/proc/<pid>/status VmRSS) and INFO memory
used_memory of a server after (a) one 100 MB SET, (b) eight connections that
each SET a 50 MB value and DEL it, then stay idle 15 s.

    python3 measure.py <impl-name> <command line of the server...>

Starts the server on port 7199, prints raw.csv rows (MiB) on stdout."""
import re, socket, subprocess, sys, time

PORT = 7199

def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

def cmd(s, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    s.sendall(out)
    data = b""
    while True:
        data += s.recv(1 << 20)
        if data.startswith(b"$"):
            head = data.index(b"\r\n")
            if len(data) >= head + 2 + int(data[1:head]) + 2:
                return data
        elif data.endswith(b"\r\n"):
            return data

def used_mib(s):
    info = cmd(s, "INFO", "memory").decode()
    return int(re.search(r"used_memory:(\d+)", info).group(1)) / (1 << 20)

def run(impl, argv, case):
    srv = subprocess.Popen(argv + ["--port", str(PORT)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        s = socket.create_connection(("127.0.0.1", PORT))
        if case == "SET 100MB":
            cmd(s, "SET", "k", b"x" * (100 << 20))
            time.sleep(1)
        else:
            conns = []
            for i in range(8):
                c = socket.create_connection(("127.0.0.1", PORT))
                conns.append(c)
                cmd(c, "SET", f"k{i}", b"y" * (50 << 20))
                cmd(c, "DEL", f"k{i}")
            time.sleep(15)
        print(f"kv-cache,memory,{case},{impl},1,rss,{rss_mib(srv.pid):.0f},MiB")
        print(f"kv-cache,memory,{case},{impl},1,used_memory,{used_mib(s):.0f},MiB")
    finally:
        srv.terminate()
        srv.wait()

impl, argv = sys.argv[1], sys.argv[2:]
for case in ["SET 100MB", "8 idle clients after SET+DEL 50MB"]:
    run(impl, argv, case)
