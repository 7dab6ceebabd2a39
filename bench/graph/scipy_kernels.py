#!/usr/bin/env python3
"""scipy baseline for bench/graph/kernels.ts, measured in the same run on the same generated graph.

Reads a PEERGRF1 .bin arc list (see shared/peers/README.md) and times, like the peers' scipy contender:
load (read the file + build a csr_array from COO), dijkstra, breadth_first_order, weak
connected_components, and a 20-iteration Graphalytics PageRank written with numpy/scipy (the transpose is
built inside the timed run). Prints one JSON object: {"load": [s...], "sssp": [...], ...} with every
counted run, after one warm-up run each, plus checksums so the caller can check both sides agree.

    python3 bench/graph/scipy_kernels.py <graph.bin> <runs>
"""
import json
import sys
import time

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, connected_components, dijkstra

HEADER = 64


def load(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != b"PEERGRF1":
        raise SystemExit(f"{path} is not a PEERGRF1 file")
    n = int.from_bytes(buf[8:16], "little")
    m = int.from_bytes(buf[16:24], "little")
    source = int.from_bytes(buf[24:32], "little", signed=True)
    src = np.frombuffer(buf, dtype="<i4", count=m, offset=HEADER)
    dst = np.frombuffer(buf, dtype="<i4", count=m, offset=HEADER + 4 * m)
    w = np.frombuffer(buf, dtype="<f8", count=m, offset=HEADER + 8 * m)
    a = csr_array((w, (src, dst)), shape=(n, n))
    return a, n, source


def pagerank(a, n, iterations=20, d=0.85):
    at = a.T.tocsr()
    at.data = np.ones_like(at.data)
    outdeg = np.asarray(a.indptr[1:] - a.indptr[:-1], dtype=np.float64)
    sink = outdeg == 0
    inv = np.where(sink, 0.0, 1.0 / np.where(sink, 1.0, outdeg))
    pr = np.full(n, 1.0 / n)
    for _ in range(iterations):
        dangling = pr[sink].sum()
        pr = (1 - d) / n + d * (at @ (pr * inv)) + d * dangling / n
    return pr


def timed(fn, runs):
    fn()
    times = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    result = {}
    result["load"], (a, n, source) = timed(lambda: load(path), runs)
    result["sssp"], dist = timed(lambda: dijkstra(a, directed=True, indices=source), runs)

    def bfs():
        order, pred = breadth_first_order(a, source, directed=True, return_predecessors=True)
        return order, pred

    result["bfs"], (order, pred) = timed(bfs, runs)
    result["wcc"], (ncomp, labels) = timed(lambda: connected_components(a, directed=True, connection="weak"), runs)
    result["pagerank"], pr = timed(lambda: pagerank(a, n), runs)
    depth = np.full(n, -1, dtype=np.int64)
    depth[source] = 0
    for v in order[1:]:
        depth[v] = depth[pred[v]] + 1
    finite = np.isfinite(dist)
    result["checksums"] = {
        "sssp": {"reached": int(finite.sum()), "sum": float(dist[finite].sum())},
        "bfs": {"reached": int((depth >= 0).sum()), "sum": int(depth[depth >= 0].sum())},
        "wcc": {"components": int(ncomp)},
        "pagerank": {"sum": float(pr.sum()), "max": float(pr.max())},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
