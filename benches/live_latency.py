#!/usr/bin/env python3
"""Latency of `straceback --live`: time from a trace line entering the pipe to the suspect
line it causes appearing on straceback's stdout. Median over 100 lines.

Each round writes one failing open and the error message that names it (what makes a group a
suspect), as strace -f prints them, then waits for the `suspect:` line. Run from the repo root
after `cargo build --release`:

    python3 benches/live_latency.py [path/to/straceback]
"""
import os
import select
import statistics
import subprocess
import sys
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/straceback"
proc = subprocess.Popen([binary, "--live", "--no-disk", "--color", "never"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
out = proc.stdout
pending = b""
lat = []
for i in range(100):
    pid = 4000 + i
    path = f"/srv/lat/app-{i}.conf"
    proc.stdin.write(f'[pid {pid}] openat(AT_FDCWD, "{path}", O_RDONLY) = -1 ENOENT (No such file or directory)\n'.encode())
    msg = f"cannot open {path}\\n"
    line = f'[pid {pid}] write(2, "{msg}", {len(path) + 13}) = {len(path) + 13}\n'.encode()
    t0 = time.perf_counter()
    proc.stdin.write(line)
    while path.encode() not in pending:
        r, _, _ = select.select([out], [], [], 5)
        if not r:
            sys.exit(f"no suspect line for {path} within 5 s")
        pending += os.read(out.fileno(), 65536)
    lat.append(time.perf_counter() - t0)
    pending = pending[pending.index(path.encode()) + len(path):]
    time.sleep(0.01)
proc.stdin.close()
proc.wait()
ms = sorted(x * 1000 for x in lat)
print(f"live latency over {len(ms)} lines: median {statistics.median(ms):.2f} ms, "
      f"p90 {ms[int(len(ms) * 0.9)]:.2f} ms, max {ms[-1]:.2f} ms")
