"""Load client for bench/mcp.sh: sequential round trips per second over stdio, TCP
and Streamable HTTP against mcp_fixture, and RSS with idle TCP clients.

Loopback only. Prints figures, asserts nothing beyond "every reply came back".
Usage: python3 mcp_load.py FIXTURE N IDLE_CLIENTS
"""

import http.client
import json
import socket
import subprocess
import sys
import time

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "0"}}}


def msg(i, method):
    return (json.dumps({"jsonrpc": "2.0", "id": i, "method": method}) + "\n").encode()


def rate(n, send_recv):
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        reply = send_recv(i)
        assert reply["id"] == i, reply
    return n / (time.perf_counter() - t0)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))


def start(fixture, *args):
    p = subprocess.Popen([fixture, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    return p


def bench_stdio(fixture, n):
    p = start(fixture)

    def rt(method):
        def f(i):
            p.stdin.write(msg(i, method))
            p.stdin.flush()
            return json.loads(p.stdout.readline())
        return f

    p.stdin.write((json.dumps(INIT) + "\n").encode())
    p.stdin.flush()
    p.stdout.readline()
    out = rate(n, rt("ping")), rate(n, rt("tools/list"))
    p.stdin.close()
    p.wait()
    return out


def listen(fixture, url):
    p = start(fixture, "--listen", url)
    bound = p.stdout.readline().decode().split()[1]
    return p, bound


def bench_tcp(fixture, n):
    p, url = listen(fixture, "tcp://127.0.0.1:0")
    host, port = url[len("tcp://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    r = s.makefile("rb")

    def rt(method):
        def f(i):
            s.sendall(msg(i, method))
            return json.loads(r.readline())
        return f

    s.sendall((json.dumps(INIT) + "\n").encode())
    r.readline()
    out = rate(n, rt("ping")), rate(n, rt("tools/list"))
    s.close()
    p.terminate()
    p.wait()
    return out


def bench_http(fixture, n):
    p, url = listen(fixture, "http://127.0.0.1:0/mcp")
    hostport, path = url[len("http://"):].split("/", 1)
    host, port = hostport.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    c.request("POST", "/" + path, body=json.dumps(INIT), headers=h)
    r = c.getresponse()
    r.read()
    h["Mcp-Session-Id"] = r.getheader("Mcp-Session-Id")
    h["MCP-Protocol-Version"] = "2025-11-25"

    def rt(method):
        def f(i):
            c.request("POST", "/" + path, body=msg(i, method), headers=h)
            return json.loads(c.getresponse().read())
        return f

    out = rate(n, rt("ping")), rate(n, rt("tools/list"))
    c.close()
    p.terminate()
    p.wait()
    return out


def bench_idle(fixture, clients):
    p, url = listen(fixture, "tcp://127.0.0.1:0")
    host, port = url[len("tcp://"):].rsplit(":", 1)
    time.sleep(0.2)
    before = rss_kb(p.pid)
    socks = []
    for _ in range(clients):
        s = socket.create_connection((host, int(port)))
        s.sendall((json.dumps(INIT) + "\n").encode())
        s.makefile("rb").readline()
        socks.append(s)
    time.sleep(0.2)
    after = rss_kb(p.pid)
    for s in socks:
        s.close()
    p.terminate()
    p.wait()
    return before, after


def main():
    fixture, n, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print("sequential round trips per second (one client, %d each; Python client):" % n)
    for name, fn in (("stdio", bench_stdio), ("tcp", bench_tcp), ("http", bench_http)):
        ping, tools = fn(fixture, n)
        print("  %-6s ping %8.0f/s   tools/list %8.0f/s" % (name, ping, tools))
    before, after = bench_idle(fixture, idle)
    print("RSS of mcp_fixture: %d KiB listening, %d KiB with %d idle initialized TCP clients "
          "(%.1f KiB each)" % (before, after, idle, (after - before) / idle))


if __name__ == "__main__":
    main()
