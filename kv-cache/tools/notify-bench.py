#!/usr/bin/env python3
"""The cost of keyspace notifications, measured with redis-benchmark.

    python3 kv-cache/tools/notify-bench.py --ours <kv-cache-server> \\
        --before <kv-cache-server of the commit before> --rounds 5 --out <dir>

Runs `redis-benchmark -t set -P 16 -n 1000000 -q` (and `-P 1 -n 100000`)
against fresh servers, alternating the two sides of each comparison round
by round (A B, then B A):

- notifications off: `--ours` against `--before` (is the off path free?);
- `notify-keyspace-events KEA`: `--ours` against redis-server (on PATH);
- `KEA` with one pattern subscriber that matches no keyspace channel, so
  that both servers must build and match every channel name.

The CPU time each server spent per request comes from /proc/<pid>/stat
(utime + stime) read before and after each run. Writes `raw.csv` (the
workspace's format: crate,bench,case,impl,round,metric,value,unit) and
`notify.md` (medians, the median of the per-round ratios, their spread).
"""
import argparse, collections, os, re, socket, statistics, subprocess, time

CLK = os.sysconf("SC_CLK_TCK")

# (case, the two sides, classes, pattern subscriber, [(pipeline, requests)])
CASES = [
    ("SET P{P} notifications off", ("ours", "ours-before"), "", None, [(16, 1_000_000), (1, 100_000)]),
    ("SET P{P} KEA", ("ours", "redis"), "KEA", None, [(16, 1_000_000), (1, 100_000)]),
    ("SET P{P} KEA + non-matching PSUBSCRIBE", ("ours", "redis"), "KEA", "__key*__:nomatch*", [(16, 1_000_000)]),
]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return p
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise SystemExit(f"{cmd[0]} did not start on port {port}")


def benchmark(port, pipeline, requests):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "set", "-P", str(pipeline), "-n", str(requests), "-q"],
        capture_output=True, text=True, timeout=600,
    ).stdout
    return float(re.findall(r"SET: ([\d.]+) requests per second", out)[-1])


def table(rows):
    data = collections.defaultdict(lambda: collections.defaultdict(dict))
    order = []
    for case, impl, rnd, metric, value in rows:
        if (case, metric) not in order:
            order.append((case, metric))
        data[(case, metric)][impl][rnd] = value
    lines = [
        "| case | metric | ours | counterpart | theirs | ours/theirs | spread | rounds |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for case, metric in order:
        sides = data[(case, metric)]
        other = next(i for i in sides if i != "ours")
        ours, theirs = sides["ours"], sides[other]
        rounds = sorted(set(ours) & set(theirs))
        ratios = [ours[r] / theirs[r] for r in rounds if theirs[r] > 0]
        if not ratios:
            continue
        fmt = (lambda v: f"{v:,.0f}") if metric == "throughput" else (lambda v: f"{v:.3f}")
        unit = "ops/s" if metric == "throughput" else "us"
        lines.append(
            f"| {case} | {metric} ({unit}) | {fmt(statistics.median(ours.values()))} | {other} "
            f"| {fmt(statistics.median(theirs.values()))} | {statistics.median(ratios):.3f} "
            f"| {min(ratios):.3f}–{max(ratios):.3f} | {len(ratios)} |"
        )
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--before", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    servers = {
        "ours": lambda port: [a.ours, "--port", str(port)],
        "ours-before": lambda port: [a.before, "--port", str(port)],
        "redis": lambda port: ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
    }
    os.makedirs(a.out, exist_ok=True)
    rows = []
    with open(os.path.join(a.out, "raw.csv"), "w") as raw:
        raw.write("crate,bench,case,impl,round,metric,value,unit\n")
        for rnd in range(1, a.rounds + 1):
            for name, sides, classes, pattern, runs in CASES:
                for impl in sides if rnd % 2 else sides[::-1]:
                    port = free_port()
                    server = start(servers[impl](port), port)
                    if classes:
                        subprocess.run(["redis-cli", "-p", str(port), "config", "set",
                                        "notify-keyspace-events", classes], capture_output=True)
                    sub = None
                    if pattern:
                        sub = subprocess.Popen(["redis-cli", "-p", str(port), "psubscribe", pattern],
                                               stdout=subprocess.DEVNULL)
                        time.sleep(0.3)
                    for pipeline, requests in runs:
                        case = name.format(P=pipeline)
                        before = cpu_seconds(server.pid)
                        ops = benchmark(port, pipeline, requests)
                        us = (cpu_seconds(server.pid) - before) / requests * 1e6
                        for metric, value, unit in (("throughput", ops, "ops/s"), ("cpu_per_req", us, "us")):
                            raw.write(f"kv-cache,redis-benchmark,{case},{impl},{rnd},{metric},{value:.4f},{unit}\n")
                            rows.append((case, impl, rnd, metric, value))
                        raw.flush()
                        print(f"round {rnd} {case} {impl}: {ops:,.0f} ops/s, {us:.3f} us CPU/request", flush=True)
                    if sub:
                        sub.kill()
                        sub.wait()
                    server.terminate()
                    server.wait()
    with open(os.path.join(a.out, "notify.md"), "w") as md:
        md.write(table(rows))


if __name__ == "__main__":
    main()
