#!/usr/bin/env python3
"""scipy as a server for bench/graph/paired.ts: loads a PEERGRF1 graph once, then for every line read
("load", "sssp", "bfs", "wcc" or "pagerank") runs that kernel once and prints its seconds, until "quit". The kernels
are scipy_kernels.py's, so the figures are the same runs the other graph benchmarks time.

    python3 bench/graph/scipy_serve.py <graph.bin>
"""
import sys
import time

from scipy.sparse.csgraph import breadth_first_order, connected_components, dijkstra

from scipy_kernels import load, pagerank


def main():
    path = sys.argv[1]
    a, n, source = load(path)
    kernels = {
        "load": lambda: load(path),
        "sssp": lambda: dijkstra(a, directed=True, indices=source),
        "bfs": lambda: breadth_first_order(a, source, directed=True, return_predecessors=True),
        "wcc": lambda: connected_components(a, directed=True, connection="weak"),
        "pagerank": lambda: pagerank(a, n),
    }
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        fn = kernels[line.strip()]
        t0 = time.perf_counter()
        fn()
        print(time.perf_counter() - t0, flush=True)


if __name__ == "__main__":
    main()
