"""Recall@K of a server's vector-database answers against its exact search, for every user.

Usage: python3 scripts/lib/vectordb_recall.py PORT K USERS
Asks `esans serve` on 127.0.0.1:PORT, for user ids 0, 1, 2, ... (ids the data does not know are
skipped) until USERS users answered, POST /v1/retrieve with k K twice, "index": "vectordb" and
"exact" (seen items excluded), and prints one line: mean overlap, users, ms per vectordb request,
ms per exact request, and the server's /healthz "vectordb" summary.
Sourced through scripts/lib/vectordb.sh by vectordb-roundtrip.sh and milvus-roundtrip.sh.
"""
import json, sys, time, urllib.request
port, k, users = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def post(body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/retrieve", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)
health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz"))
assert health["default_index"] == "vectordb", health
total, n, t_db, t_exact = 0.0, 0, 0.0, 0.0
u = 0
while n < users:
    uid = str(u)
    u += 1
    try:
        t0 = time.perf_counter(); db = post({"user_id": uid, "k": k, "index": "vectordb"})
        t1 = time.perf_counter(); ex = post({"user_id": uid, "k": k, "index": "exact"})
        t2 = time.perf_counter()
    except urllib.error.HTTPError as e:
        if e.code == 404 and u < 1_000_000:
            continue  # not a user id of the data (ids are tried 0, 1, 2, ...)
        raise
    got, want = {i["id"] for i in db["items"]}, {i["id"] for i in ex["items"]}
    total += len(got & want) / max(1, len(want))
    n += 1
    t_db += t1 - t0; t_exact += t2 - t1
print(f"{total / n:.4f} {n} {1000 * t_db / n:.2f} {1000 * t_exact / n:.2f} {health['vectordb']}")
