#!/usr/bin/python3
"""Worker memory under many unauthenticated uploads (issue #10).

Starts ./ampmeter (no database needed: every request here is refused before
one is used) on a free port with 2 workers, then for each scenario opens N
connections at once, each sending a 1 MiB body to POST /v1/events, and
samples VmRSS of every worker (/proc/PID/status) every 5 ms: before, peak
during, and after (once all connections are answered and closed). Each
connection sends half its body, waits until all have, then the rest, so
that every body is arriving at the same time.

Scenarios: no Authorization header (refused before the body is read: 401),
and a fake bearer token (read, at most 64 bodies at once per worker, the
rest 503 before their body; then 401 from the API).

    bench/body_memory.py [N] [BODY_BYTES] [BINARY]   (200, 1048576, ./ampmeter)
"""
import collections
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 1024 * 1024
BINARY = sys.argv[3] if len(sys.argv) > 3 else str(ROOT / "ampmeter")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return 0.0
    return 0.0


def workers_of(parent):
    kids = []
    for task in Path(f"/proc/{parent}/task").iterdir():
        kids += (task / "children").read_text().split()
    return [int(k) for k in kids]


def upload(port, token, results, barrier):
    head = (f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {SIZE}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n").encode()
    status = "no answer"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(head)
            try:
                # Half the body, then wait until every connection has sent
                # its half: all bodies are arriving at the same time.
                s.sendall(b" " * (SIZE // 2))
                barrier.wait(30)
                s.sendall(b" " * (SIZE - SIZE // 2))
            except (OSError, threading.BrokenBarrierError):
                pass
            buf = b""
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            if buf:
                status = buf.split(b" ", 2)[1].decode()
    except OSError as e:
        status = type(e).__name__
    results.append(status)


def scenario(name, port, pids, token):
    before = {p: rss_mib(p) for p in pids}
    peak = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for p in pids:
                peak[p] = max(peak[p], rss_mib(p))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    results = []
    barrier = threading.Barrier(N)
    threads = [threading.Thread(target=upload, args=(port, token, results, barrier))
               for _ in range(N)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    time.sleep(0.5)
    done.set()
    sampler.join()
    after = {p: rss_mib(p) for p in pids}
    answers = dict(collections.Counter(results))
    print(f"\n{name}: {N} connections x {SIZE} bytes, {took:.2f} s, answers {answers}")
    print("  worker   before MiB   peak MiB   after MiB")
    for p in pids:
        print(f"  {p:>6}   {before[p]:10.1f}   {peak[p]:8.1f}   {after[p]:9.1f}")


def main():
    port = free_port()
    env = dict(os.environ, PORT=str(port), AMP_WORKERS="2",
               DATABASE_URL="postgresql://amp_app@127.0.0.1:1/ampmeter",
               AMP_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123")
    proc = subprocess.Popen([BINARY, "-f", "-n", "-r"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        pids = workers_of(proc.pid)
        print(f"ampmeter {BINARY} pid {proc.pid}, workers {pids}")
        scenario("no token", port, pids, None)
        scenario("fake bearer token", port, pids, "fake.bearer.token")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


if __name__ == "__main__":
    main()
