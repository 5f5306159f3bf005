#!/usr/bin/python3
"""Plots pss-bench's connection sweep: throughput and p50 latency of rr
against the number of connections, pss next to the bare epoll baseline.

    tools/bench/plot.py RESULTS.json OUT.png

Needs Debian's python3-matplotlib (installed here when missing)."""
import json
import subprocess
import sys


def load_matplotlib():
    try:
        import matplotlib
    except ImportError:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "python3-matplotlib"], check=True)
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        data = json.load(f)
    points = data.get("sweep")
    if not points:
        sys.exit("no sweep in %s: run pss-bench with --sweep" % sys.argv[1])
    plt = load_matplotlib()
    fig, (rate_ax, lat_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for server, style in (("baseline", "o--"), ("pss", "s-")):
        mine = sorted((p for p in points if p["server"] == server),
                      key=lambda p: p["connections"])
        conns = [p["connections"] for p in mine]
        rate_ax.plot(conns, [p["requests_per_s"] / 1000 for p in mine], style,
                     label=server)
        lat_ax.plot(conns, [p["p50_us"] for p in mine], style, label=server)
    rate_ax.set(xscale="log", xlabel="connections", ylabel="thousand requests/s",
                title="rr, 64-byte messages: throughput")
    lat_ax.set(xscale="log", yscale="log", xlabel="connections",
               ylabel="p50 latency, microseconds", title="rr: median latency")
    for ax in (rate_ax, lat_ax):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    placement = ("load on core 0, server on core 1" if data.get("pinned")
                 else "load and server sharing them")
    fig.suptitle("pss vs bare epoll echo, loopback, %s cores, %s"
                 % (data.get("cores", "?"), placement))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
