#!/usr/bin/env python3
"""First token on a kept-alive connection (BENCHMARKS.md, "Chat: first token on a kept-alive
connection"): a benchmark, not a test.

Starts the release server on an empty data directory with the built-in responder unpaced
(PARLOR_RESPONDER_DELAY_MS=0), creates a key and a chatbot, then sends streamed chat requests one
after another on ONE HTTP/1.1 connection, as browsers and client libraries reuse them, and
prints for each the time from sending the request to the `start` event and to the first `delta`
event. Without TCP_NODELAY on the server's sockets, every request after the first waited about
40 ms between the two (Nagle's algorithm meeting the client's delayed acknowledgement).

    ./scripts/bench-keepalive.py [REQUESTS]     # default 8 (the default plan's chat limit is 10/min)
"""
import http.client
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = str(ROOT / "target" / "release" / "parlor")
PORT = int(os.environ.get("PARLOR_BENCH_PORT", "39811"))
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 8


def main() -> None:
    data = tempfile.mkdtemp()
    env = dict(os.environ, DATABASE_URL="", RUST_LOG="warn", PARLOR_RESPONDER_DELAY_MS="0", PARLOR_DATA_DIR=data)
    server = subprocess.Popen(
        [BIN, "serve", "--addr", f"127.0.0.1:{PORT}", "--data-dir", data],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", PORT)
                probe.request("GET", "/readyz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        key = subprocess.check_output(
            [BIN, "key", "create", "--name", "bench", "--all-scopes", "--data-dir", data], env=env, cwd=ROOT
        ).decode().strip().splitlines()[-1]
        headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        conn.request("POST", "/api/v2/chatbots", json.dumps({"name": "Keep-alive"}), headers)
        bot = json.loads(conn.getresponse().read())["id"]
        body = json.dumps({"message": "Hello there, what can you do?", "stream": True})
        times = []
        for i in range(REQUESTS):
            sent = time.perf_counter()
            conn.request("POST", f"/api/v2/chatbots/{bot}/chat", body, headers)
            response = conn.getresponse()
            if response.status != 200:
                sys.exit(f"request {i + 1}: HTTP {response.status}")
            start = delta = None
            while True:
                line = response.readline()
                if not line:
                    break
                now = (time.perf_counter() - sent) * 1000
                if line.startswith(b"event: start") and start is None:
                    start = now
                if line.startswith(b"event: delta") and delta is None:
                    delta = now
            times.append((start, delta))
            print(f"request {i + 1}: start {start:.1f} ms, first delta {delta:.1f} ms")
        later = sorted(delta for _, delta in times[1:])
        if later:
            print(f"requests 2-{REQUESTS} on the same connection: first delta median "
                  f"{later[len(later) // 2]:.1f} ms, max {later[-1]:.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
