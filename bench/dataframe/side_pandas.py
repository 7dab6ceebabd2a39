#!/usr/bin/env python3
"""pandas as a side of bench/dataframe/h2o.ts, speaking sideCommon.ts's protocol: started as
`side_pandas.py <question> <csv>...`, prints "ready" once pandas is imported, answers the line "run" with
one JSON line (seconds from before the CSV read to the result held in memory, the check: row count and
column sums, the process's resident set when ready and its peak VmHWM), and ends on "quit".

The reads use pandas.read_csv (C engine, low_memory=False) with db-benchmark's column types (it converts the
string ids to 'category' after its fread, outside its timing), except the join lhs's id6: its 1e7 values are
all distinct, and reading them as category triples the read (1e6 rows: 14.2 s against 4.2 s with id6 as
object strings, merge included), so it stays object, as a careful pandas user would leave it. Numbers as
inferred. The questions are db-benchmark's pandas/groupby-pandas.py and pandas/join-pandas.py (groupby
with as_index=False, sort=False, observed=True, dropna=False; merge on the key). pandas is single-threaded.
"""
import json
import re
import sys
import time

import pandas as pd

G_TYPES = {"id1": "category", "id2": "category", "id3": "category"}
J_TYPES = {"id4": "category", "id5": "category"}
GB = dict(as_index=False, sort=False, observed=True, dropna=False)


# low_memory=False parses the file in one pass: with the default (chunked) parse, every chunk builds its own
# categories and pandas unions them after, ~1.5x slower on these files (measured at 1e6 rows).
def read_g(path):
    return pd.read_csv(path, dtype=G_TYPES, low_memory=False)


def read_j(path):
    return pd.read_csv(path, dtype=J_TYPES, low_memory=False)


QUESTIONS = {
    "read": lambda g: read_g(g),
    "gq1": lambda g: read_g(g).groupby("id1", **GB).agg({"v1": "sum"}),
    "gq2": lambda g: read_g(g).groupby(["id1", "id2"], **GB).agg({"v1": "sum"}),
    "gq3": lambda g: read_g(g).groupby("id3", **GB).agg({"v1": "sum", "v3": "mean"}),
    "gq4": lambda g: read_g(g).groupby("id4", **GB).agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
    "gq5": lambda g: read_g(g).groupby("id6", **GB).agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    "jq1": lambda x, small: read_j(x).merge(read_j(small), on="id1"),
    "jq2": lambda x, medium: read_j(x).merge(read_j(medium), on="id2"),
    "jq3": lambda x, medium: read_j(x).merge(read_j(medium), how="left", on="id2"),
}
CHECK = {
    "read": ["v1", "v2", "v3"], "gq1": ["v1"], "gq2": ["v1"], "gq3": ["v1", "v3"],
    "gq4": ["v1", "v2", "v3"], "gq5": ["v1", "v2", "v3"], "jq1": ["v1", "v2"], "jq2": ["v1", "v2"], "jq3": ["v1", "v2"],
}


def status_mib(field):
    with open("/proc/self/status") as f:
        m = re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M)
    return round(int(m.group(1)) / 1024, 1) if m else float("nan")


def main():
    qid, files = sys.argv[1], sys.argv[2:]
    fn = QUESTIONS[qid]
    base = status_mib("VmRSS")
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        try:
            t0 = time.perf_counter()
            ans = fn(*files)
            seconds = time.perf_counter() - t0
            peak = status_mib("VmHWM")
            sums = {c: float(ans[c].sum()) for c in CHECK[qid]}
            out = {"seconds": seconds, "rows": int(len(ans)), "sums": sums, "baseRssMiB": base, "peakRssMiB": peak}
        except Exception as e:  # reported to the harness as this run's failure
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
