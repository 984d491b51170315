#!/usr/bin/env python3
"""Soak load generator for `esans serve` (Python 3 standard library only).

Run by scripts/soak.sh, which starts the server on a copy of the run and index it controls;
see that script for the whole procedure. This program, for --seconds:
  - drives the server from --clients threads (one keep-alive connection each) with a mix of
    valid requests (retrieve by user, by history, by vector; similar items; healthz, metrics)
    and malformed ones (bad JSON, wrong types, unknown users and items, huge k, empty bodies,
    wrong content type, unknown routes, bad vectors, oversize bodies, garbage request lines),
    each with the status it must get;
  - samples the server's RSS (/proc/PID/status) every second and checks the process is alive;
  - sends SIGHUP every --reload-every seconds and reads the outcome from the server log;
    the reload half-way is made on a damaged model file (one bit flipped in the file the
    server reads) and, when the soak is long enough, two and four reloads later on a
    truncated IVF index and a truncated config.json. Each such reload must be refused, and
    the server must keep answering with the old run (same answers to reference queries,
    every valid request 2xx meanwhile); then the good files are put back and a reload must
    succeed;
  - prints a per-minute table and the overall bars, writes seconds.csv and summary.json to
    --out, and exits 1 when a bar fails.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import sys
import threading
import time
from urllib.parse import quote

# ---------------------------------------------------------------------------------------------
# Requests


class Ctx:
    """What the request builders need: known ids and the vector dimension."""

    def __init__(self, users, items, dim):
        self.users, self.items, self.dim = users, items, dim
        self.item0 = quote(items[0], safe="")  # for paths


J = {"Content-Type": "application/json"}


def post(body, headers=J):
    return ("POST", "/v1/retrieve", body if isinstance(body, bytes) else json.dumps(body).encode(), headers)


def valid_user(c, r):
    b = {"user_id": r.choice(c.users), "k": r.choice([1, 5, 10, 20, 50, 100, 500])}
    if r.random() < 0.5:
        b["index"] = r.choice(["exact", "ivf"])
    if r.random() < 0.3:
        b["exclude_seen"] = r.random() < 0.5
    if r.random() < 0.2:
        b["nprobe"] = r.choice([1, 4, 16, 64, 1000])
    if r.random() < 0.2:
        b["exclude"] = r.sample(c.items, 5)
    if r.random() < 0.2:
        b["user_id"] = int(b["user_id"]) if b["user_id"].isdigit() else b["user_id"]
    return post(b)


def valid_history(c, r):
    b = {"history": r.sample(c.items, r.randint(1, 50)), "k": r.choice([5, 10, 20, 100])}
    if r.random() < 0.5:
        b["index"] = r.choice(["exact", "ivf"])
    return post(b)


def valid_vector(c, r):
    # Mostly unit-scale values; sometimes huge or tiny ones, which the schema allows (|x| <= 1e30).
    scale = r.choice([1, 1, 1, 1, 1, 1e25, 1e-30, 1e-300])
    b = {"vector": [r.gauss(0, 1) * scale for _ in range(c.dim)], "k": r.choice([5, 10, 20, 100])}
    if r.random() < 0.5:
        b["index"] = r.choice(["exact", "ivf"])
    return post(b)


def valid_similar(c, r):
    q = "k=%d" % r.choice([1, 10, 50, 200])
    if r.random() < 0.5:
        q += "&index=" + r.choice(["exact", "ivf"])
    if r.random() < 0.2:
        q += "&nprobe=%d" % r.choice([1, 8, 100])
    return ("GET", "/v1/items/%s/similar?%s" % (quote(r.choice(c.items), safe=""), q), None, {})


def bad_json(c, r):
    return post(r.choice([b'{"user_id": 1,', b"{", b"}", b'{"k": 10 "user_id": "1"}', b"nul",
                          b'{"user_id": "1"}}', b"\xff\xfe\x00", b'{"user_id": "\xff"}']))


def wrong_type(c, r):
    u = r.choice(c.users)
    return post(r.choice([{"user_id": u, "k": "ten"}, {"user_id": True}, {"user_id": 1.5}, {"user_id": [u]},
                          {"history": "1"}, {"history": [None]}, {"vector": "abc"}, {"vector": [1, "x"]},
                          {"user_id": u, "exclude_seen": "yes"}, {"user_id": u, "exclude": 3},
                          {"user_id": u, "nprobe": 2.5}, [u], "user", None, 42]))


def unknown_user(c, r):
    return post({"user_id": r.choice(["no-such-user", "-1", "99999999", "", " " + c.users[0]]), "k": 10})


def unknown_item_history(c, r):
    return post({"history": [c.items[0], "no-such-item-%d" % r.randint(0, 9)], "k": 10})


def unknown_item_exclude(c, r):
    return post({"user_id": c.users[0], "exclude": ["no-such-item"]})


def unknown_item_similar(c, r):
    return ("GET", "/v1/items/%s/similar" % r.choice(["no-such-item", "99999999", "%20", "%E2%9C%93"]), None, {})


def huge_k_422(c, r):
    u = r.choice(c.users)
    return r.choice([post({"user_id": u, "k": 1_000_000}), post({"user_id": u, "k": 0}), post({"user_id": u, "k": -5}),
                     ("GET", "/v1/items/%s/similar?k=1000000000" % c.item0, None, {}),
                     post({"user_id": u, "nprobe": 0}), post({"user_id": u, "nprobe": 10**9})])


def huge_k_400(c, r):  # beyond Int64: not decodable, 400
    return r.choice([post(b'{"user_id": "%s", "k": 100000000000000000000000}' % c.users[0].encode()),
                     ("GET", "/v1/items/%s/similar?k=99999999999999999999999" % c.item0, None, {})])


def empty_body(c, r):
    return ("POST", "/v1/retrieve", b"", J)


def wrong_content_type(c, r):
    return ("POST", "/v1/retrieve", json.dumps({"user_id": c.users[0]}).encode(),
            {"Content-Type": r.choice(["text/plain", "application/x-www-form-urlencoded", "image/png"])})


def unknown_route_404(c, r):
    return (r.choice(["GET", "POST"]), r.choice(["/", "/v1", "/v2/retrieve", "/v1/retrieve/x", "/v1/items",
                                                 "/v1/items//similar/x", "/%00", "/" + "a" * 2000]), None, {})


def wrong_method_405(c, r):
    return r.choice([("GET", "/v1/retrieve", None, {}), ("POST", "/healthz", b"{}", J), ("DELETE", "/metrics", None, {}),
                     ("PUT", "/v1/items/%s/similar" % c.item0, b"{}", J)])


def bad_vector(c, r):
    v = [0.0] * c.dim
    return post(r.choice([{"vector": [1.0] * (c.dim - 1)}, {"vector": []}, {"vector": v},
                          {"vector": [1e39] + [0.5] * (c.dim - 1)}, {"vector": [1.0] * (c.dim * 3)}]))


def bad_history(c, r):
    return post(r.choice([{"history": []}, {"history": [c.items[0]] * 10_001}]))


def several_sources(c, r):
    return post(r.choice([{}, {"k": 10}, {"user_id": None}, {"vector": None},
                          {"user_id": c.users[0], "vector": [1.0] * c.dim},
                          {"history": [c.items[0]], "vector": [1.0] * c.dim}]))


def bad_params(c, r):
    return r.choice([("GET", "/v1/items/%s/similar?k=abc" % c.item0, None, {}),
                     ("GET", "/v1/items/%s/similar?index=foo" % c.item0, None, {}),
                     ("GET", "/v1/items/%s/similar?nprobe=" % c.item0, None, {}),
                     ("GET", "/v1/items/%zz/similar", None, {}),  # no percent-encoding
                     post({"user_id": c.users[0], "index": "hnsw"})])


def health(c, r):
    return ("GET", "/healthz", None, {})


def metrics(c, r):
    return ("GET", "/metrics", None, {})


# kind -> (builder, weight, expected statuses, valid?)
KINDS = {
    "user": (valid_user, 30, {200}, True),
    "history": (valid_history, 14, {200}, True),
    "vector": (valid_vector, 14, {200}, True),
    "similar": (valid_similar, 14, {200}, True),
    "healthz": (health, 2, {200}, True),
    "metrics": (metrics, 1, {200}, True),
    "bad_json": (bad_json, 3, {400}, False),
    "wrong_type": (wrong_type, 3, {400}, False),
    "unknown_user": (unknown_user, 2, {404}, False),
    "unknown_item": (unknown_item_history, 1, {404}, False),
    "unknown_exclude": (unknown_item_exclude, 1, {404}, False),
    "unknown_similar": (unknown_item_similar, 1, {404}, False),
    "huge_k": (huge_k_422, 2, {422}, False),
    "k_overflow": (huge_k_400, 1, {400}, False),
    "empty_body": (empty_body, 1, {400}, False),
    "content_type": (wrong_content_type, 1, {415}, False),
    "unknown_route": (unknown_route_404, 1, {404}, False),
    "wrong_method": (wrong_method_405, 1, {405}, False),
    "bad_vector": (bad_vector, 1, {422}, False),
    "bad_history": (bad_history, 1, {422}, False),
    "sources": (several_sources, 1, {400}, False),
    "bad_params": (bad_params, 1, {400}, False),
}
# One-shot connections (the server may close them): weight per mille of requests.
RAW_PER_MILLE = {"oversize": 3, "garbage": 2, "truncated": 2}


def raw_request(kind, port, c, r, timeout):
    """A request on a fresh socket. Returns (status or 0 when the server closed without an
    answer, expected statuses)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        if kind == "oversize":  # over --max-body (256 KiB by default)
            body = b'{"history": [' + b",".join(b'"%s"' % c.items[0].encode() for _ in range(60_000)) + b"]}"
            if r.random() < 0.5:
                head = b"POST /v1/retrieve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                data = head + body
            else:  # chunked: no Content-Length to refuse early
                head = b"POST /v1/retrieve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 16384]), body[i:i + 16384]) for i in range(0, len(body), 16384))
                data = head + chunks + b"0\r\n\r\n"
            expected = {413}
        elif kind == "garbage":
            data = r.choice([b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
                             b"POST /v1/retrieve HTTP/1.1\r\nContent-Length: -1\r\n\r\n"])
            expected = {400, 0}
        else:  # a body shorter than its Content-Length, then the client goes away
            data = b'POST /v1/retrieve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user_id"'
            expected = {0}
        try:
            s.sendall(data)
        except OSError:
            pass  # the server answered and closed before reading everything
        if kind == "truncated":
            return 0, expected
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
        line = buf.split(b"\r\n", 1)[0].split()
        status = int(line[1]) if len(line) > 1 and line[1].isdigit() else 0
        return status, expected
    finally:
        s.close()


# Kinds whose 200 answers are item lists, checked by answer_problem.
ANSWERS = {"user", "history", "vector", "similar"}


def answer_problem(body):
    """What is wrong with a 200 answer's item list, or None: it must parse, have finite
    scores in descending order, not all zeros (a query vector that came out as zeros scores
    every item 0), and at least one item from exact search. (IVF answers hold only items of
    the probed lists, so with few probes and the user's items excluded they can be empty;
    those are counted apart, as "ivf_empty".)"""
    try:
        answer = json.loads(body)
        items = answer["items"]
        scores = [float(x["score"]) for x in items]
    except (ValueError, KeyError, TypeError):
        return "answer is not an item list"
    if not scores:
        return None if answer.get("index") == "ivf" else "no items from exact search"
    if any(x != x or x in (float("inf"), float("-inf")) for x in scores):
        return "non-finite score"
    if any(a < b for a, b in zip(scores, scores[1:])):
        return "scores not in descending order"
    if all(x == 0 for x in scores):
        return "every score is 0"
    return None


# ---------------------------------------------------------------------------------------------
# Recording


class Second:
    __slots__ = ("lat", "s2", "s4", "s5", "other", "conn", "unexpected", "closed", "rss_kb", "reloads")

    def __init__(self):
        self.lat = []
        self.s2 = self.s4 = self.s5 = self.other = self.conn = self.unexpected = self.closed = 0
        self.rss_kb = None
        self.reloads = []


class Recorder:
    def __init__(self, t0):
        self.t0 = t0
        self.lock = threading.Lock()
        self.seconds = {}
        self.valid_ok = 0
        self.valid_bad = 0
        self.unexpected_examples = []
        self.server_errors = []
        self.by_kind = {}
        self.ivf_empty = 0

    def sec(self, t):
        i = int(t - self.t0)
        s = self.seconds.get(i)
        if s is None:
            s = self.seconds[i] = Second()
        return s

    def record(self, kind, valid, status, expected, latency, body, conn_error=None):
        now = time.monotonic()
        with self.lock:
            s = self.sec(now)
            k = self.by_kind.setdefault(kind, {})
            if conn_error is not None:
                s.conn += 1
                k["conn_error"] = k.get("conn_error", 0) + 1
                if valid:
                    self.valid_bad += 1
                if len(self.unexpected_examples) < 30:
                    self.unexpected_examples.append({"kind": kind, "connection_error": conn_error})
                return
            k[status] = k.get(status, 0) + 1
            if status == 0:
                s.closed += 1
            else:
                s.lat.append(latency)
                if 200 <= status < 300:
                    s.s2 += 1
                elif 400 <= status < 500:
                    s.s4 += 1
                elif status >= 500:
                    s.s5 += 1
                    if len(self.server_errors) < 30:
                        self.server_errors.append({"kind": kind, "status": status, "body": body[:300].decode("utf-8", "replace")})
                else:
                    s.other += 1
            if valid:
                if 200 <= status < 300:
                    self.valid_ok += 1
                else:
                    self.valid_bad += 1
            problem = None if status in expected else "status"
            if problem is None and valid and status == 200 and kind in ANSWERS:
                problem = answer_problem(body)
                if problem is None and body.startswith(b'{"items":[]'):
                    self.ivf_empty += 1
            if problem:
                s.unexpected += 1
                if len(self.unexpected_examples) < 30:
                    self.unexpected_examples.append({"kind": kind, "status": status, "expected": sorted(expected), "problem": problem,
                                                     "body": body[:200].decode("utf-8", "replace")})


def worker(wid, args, ctx, rec, stop):
    r = random.Random(args.seed * 1000 + wid)
    names = list(KINDS)
    weights = [KINDS[n][1] for n in names]
    conn = None
    while not stop.is_set():
        raw = None
        x = r.random() * 1000
        for name, per_mille in RAW_PER_MILLE.items():
            if x < per_mille:
                raw = name
                break
            x -= per_mille
        if raw:
            t = time.perf_counter()
            try:
                status, expected = raw_request(raw, args.port, ctx, r, args.timeout)
                rec.record(raw, False, status, expected, time.perf_counter() - t, b"")
            except OSError as e:
                rec.record(raw, False, 0, set(), 0, b"", conn_error=repr(e))
            continue
        name = r.choices(names, weights)[0]
        build, _, expected, valid = KINDS[name]
        method, path, body, headers = build(ctx, r)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=args.timeout)
        t = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            lat = time.perf_counter() - t
            rec.record(name, valid, resp.status, expected, lat, data)
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            rec.record(name, valid, 0, expected, 0, b"", conn_error=repr(e))
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Server side: RSS, log, reloads, reference answers


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False


def get(port, method, path, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=J if body else {})
        resp = c.getresponse()
        return resp.status, resp.read()
    finally:
        c.close()


def reference(port, ctx):
    """Answers that identify the run being served (exact search, so the index cannot vary them)."""
    out = []
    for item in ctx.items[:3]:
        st, body = get(port, "GET", "/v1/items/%s/similar?k=20&index=exact" % quote(item, safe=""))
        out.append((st, [(x["id"], x["score"]) for x in json.loads(body)["items"]] if st == 200 else body.decode()))
    for user in ctx.users[:3]:
        st, body = get(port, "POST", "/v1/retrieve", json.dumps({"user_id": user, "k": 20, "index": "ivf"}).encode())
        out.append((st, [(x["id"], x["score"]) for x in json.loads(body)["items"]] if st == 200 else body.decode()))
    return out


def reload_count(port, result):
    st, body = get(port, "GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith('esans_reloads_total{result="%s"}' % result):
            return int(float(line.split()[-1]))
    return -1


class Log:
    """Reads the server's JSON-lines log from where the last look stopped."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path)

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def wait_reload(self, timeout=120):
        """The outcome of the next reload in the log: ('ok'|'error'|'ignored'|'timeout', line)."""
        deadline = time.monotonic() + timeout
        partial = b""
        while time.monotonic() < deadline:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
            self.offset += len(data)
            partial += data
            *lines, partial = partial.split(b"\n")
            self.offset -= len(partial)
            partial = b""
            for raw in lines:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                m = msg.get("message", "")
                if m == "reloaded":
                    return "ok", msg
                if m.startswith("reload failed"):
                    return "error", msg
                if m.startswith("reload already in progress"):
                    return "ignored", msg
            time.sleep(0.1)
        return "timeout", None


def model_file(run_dir):
    final = os.path.join(run_dir, "final.safetensors")
    return final if os.path.exists(final) else os.path.join(run_dir, "model.safetensors")


def flip_bit(path, good):
    """Flips one bit in the middle of the tensor payload (past the header)."""
    n = int.from_bytes(good[:8], "little")
    at = 8 + n + (len(good) - 8 - n) // 2
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(bytes([good[at] ^ 0x10]))
    return "bit 4 of byte %d of %d flipped" % (at, len(good))


def truncate(path, good):
    with open(path, "r+b") as f:
        f.truncate(len(good) // 2)
    return "truncated from %d to %d bytes" % (len(good), len(good) // 2)


def restore(path, good):
    tmp = path + ".restore"
    with open(tmp, "wb") as f:
        f.write(good)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def read_ids(path):
    with open(path) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    if rows and rows[0] == ["index", "id"]:
        rows = rows[1:]
    return [row[-1] for row in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--run-dir", required=True, help="the run directory the server reloads from (damaged and restored here)")
    ap.add_argument("--index-dir", required=True, help="the index directory the server reloads from")
    ap.add_argument("--log", required=True, help="the server's log (JSON lines, --log-level info)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--reload-every", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=60, help="seconds before the RSS baseline")
    ap.add_argument("--max-rss-growth", type=float, default=5.0, help="percent")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    st, body = get(args.port, "GET", "/healthz")
    health_info = json.loads(body)
    ctx = Ctx(read_ids(os.path.join(args.run_dir, "embeddings", "user_ids.tsv")),
              read_ids(os.path.join(args.run_dir, "embeddings", "item_ids.tsv")), health_info["dimension"])
    if not health_info.get("history_queries"):
        print("note: this model has no history tower; history requests expect 422")
        KINDS["history"] = (valid_history, 14, {422}, False)
    model_path = model_file(args.run_dir)
    index_path = os.path.join(args.index_dir, "ivf.safetensors")
    with open(model_path, "rb") as f:
        good_model = f.read()
    with open(index_path, "rb") as f:
        good_index = f.read()
    config_path = os.path.join(args.run_dir, "config.json")
    with open(config_path, "rb") as f:
        good_config = f.read()

    log = Log(args.log)
    rss_start = rss_kb(args.pid)
    t0 = time.monotonic()
    rec = Recorder(t0)
    stop = threading.Event()
    crashed_at = None

    def sampler():
        nonlocal crashed_at
        nxt = t0 + 1
        while not stop.is_set():
            time.sleep(max(0, nxt - time.monotonic()))
            v = rss_kb(args.pid) if alive(args.pid) else None
            with rec.lock:
                rec.sec(nxt - 0.5).rss_kb = v
            if v is None and crashed_at is None:
                crashed_at = nxt - t0
                print("server process %d is gone at %.0f s" % (args.pid, crashed_at), flush=True)
                stop.set()
            nxt += 1

    threads = [threading.Thread(target=worker, args=(i, args, ctx, rec, stop), daemon=True) for i in range(args.clients)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    for th in threads:
        th.start()

    def note_reload(what, outcome):
        with rec.lock:
            rec.sec(time.monotonic()).reloads.append("%s:%s" % (what, outcome))

    def hup(what):
        log.mark()
        os.kill(args.pid, signal.SIGHUP)
        outcome, line = log.wait_reload()
        note_reload(what, outcome)
        return outcome, line

    slots = list(range(args.reload_every, args.seconds - 5, args.reload_every)) or [args.seconds // 2]
    mid = len(slots) // 2
    corrupt_at = {slots[mid]: ("model", model_path, good_model, flip_bit)}
    if mid + 2 < len(slots):
        corrupt_at[slots[mid + 2]] = ("index", index_path, good_index, truncate)
    if mid + 4 < len(slots):
        corrupt_at[slots[mid + 4]] = ("config", config_path, good_config, truncate)
    good_reloads = {"ok": 0, "other": []}
    corrupt_results = []

    def sleep_until(t):
        while not stop.is_set() and time.monotonic() < t0 + t:
            time.sleep(min(0.5, t0 + t - time.monotonic()))

    for slot in slots:
        sleep_until(slot)
        if stop.is_set():
            break
        if slot not in corrupt_at:
            outcome, line = hup("reload")
            print("%4d s  SIGHUP: %s" % (slot, outcome), flush=True)
            if outcome == "ok":
                good_reloads["ok"] += 1
            else:
                good_reloads["other"].append({"at_s": slot, "outcome": outcome, "log": line})
            continue
        what, path, good, damage = corrupt_at[slot]
        res = {"at_s": slot, "file": path}
        before = reference(args.port, ctx)
        errors_before = reload_count(args.port, "error")
        with rec.lock:
            ok0, bad0 = rec.valid_ok, rec.valid_bad
        res["damage"] = damage(path, good)
        outcome, line = hup("corrupt-" + what)
        res["reload"] = outcome
        res["log"] = line
        res["metrics_error_reloads"] = reload_count(args.port, "error") - errors_before
        time.sleep(5)  # keep the load on the old run for a while
        after = reference(args.port, ctx)
        st, body = get(args.port, "GET", "/healthz")
        res["healthz_after"] = st
        with rec.lock:
            res["valid_requests_meanwhile"] = rec.valid_ok - ok0 + rec.valid_bad - bad0
            res["valid_non2xx_meanwhile"] = rec.valid_bad - bad0
        res["same_answers"] = after == before and all(s == 200 for s, _ in before)
        restore(path, good)
        outcome2, line2 = hup("restored")
        res["restored_reload"] = outcome2
        res["same_answers_after_restore"] = reference(args.port, ctx) == before
        res["refused_and_served"] = (outcome == "error" and res["metrics_error_reloads"] == 1 and res["same_answers"]
                                     and res["healthz_after"] == 200 and res["valid_requests_meanwhile"] > 0
                                     and res["valid_non2xx_meanwhile"] == 0 and outcome2 == "ok"
                                     and res["same_answers_after_restore"])
        corrupt_results.append(res)
        print("%4d s  SIGHUP on a damaged %s file (%s): %s; %d valid requests meanwhile, %d not 2xx; same answers: %s; "
              "restored and SIGHUP: %s" % (slot, what, res["damage"], outcome, res["valid_requests_meanwhile"],
                                          res["valid_non2xx_meanwhile"], res["same_answers"], outcome2), flush=True)
        if line:
            print("        server log: %s" % line.get("error", line.get("message")), flush=True)

    sleep_until(args.seconds)
    stop.set()
    for th in threads:
        th.join(timeout=args.timeout + 5)
    if crashed_at is None and not alive(args.pid):
        crashed_at = time.monotonic() - t0

    # -----------------------------------------------------------------------------------------
    secs = sorted(k for k in rec.seconds if 0 <= k < args.seconds)
    with open(os.path.join(args.out, "seconds.csv"), "w") as f:
        f.write("second,requests,p50_ms,p99_ms,2xx,4xx,5xx,other,conn_errors,closed,unexpected,rss_kb,reloads\n")
        for k in secs:
            s = rec.seconds[k]
            lat = sorted(s.lat)
            f.write("%d,%d,%.3f,%.3f,%d,%d,%d,%d,%d,%d,%d,%s,%s\n" % (
                k, len(lat) + s.conn + s.closed, percentile(lat, 50) * 1e3, percentile(lat, 99) * 1e3, s.s2, s.s4, s.s5,
                s.other, s.conn, s.closed, s.unexpected, s.rss_kb if s.rss_kb is not None else "", " ".join(s.reloads)))

    minutes = []
    print("\n| minute | requests | req/s | p50 ms | p99 ms | 2xx | 4xx | 5xx | conn errors | unexpected status | RSS MB (end) | reloads |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for m in range((args.seconds + 59) // 60):
        ss = [rec.seconds[k] for k in secs if m * 60 <= k < (m + 1) * 60]
        lat = sorted(x for s in ss for x in s.lat)
        row = {"minute": m + 1, "requests": len(lat) + sum(s.conn + s.closed for s in ss),
               "p50_ms": percentile(lat, 50) * 1e3, "p99_ms": percentile(lat, 99) * 1e3,
               "2xx": sum(s.s2 for s in ss), "4xx": sum(s.s4 for s in ss), "5xx": sum(s.s5 for s in ss),
               "conn_errors": sum(s.conn for s in ss), "unexpected": sum(s.unexpected for s in ss),
               "rss_mb": next((s.rss_kb / 1024 for s in reversed(ss) if s.rss_kb), float("nan")),
               "reloads": [x for s in ss for x in s.reloads]}
        minutes.append(row)
        secs_in = max(1, min(60, args.seconds - m * 60))
        print("| %d | %d | %.0f | %.2f | %.2f | %d | %d | %d | %d | %d | %.1f | %s |" % (
            row["minute"], row["requests"], row["requests"] / secs_in, row["p50_ms"], row["p99_ms"], row["2xx"], row["4xx"],
            row["5xx"], row["conn_errors"], row["unexpected"], row["rss_mb"], ", ".join(row["reloads"]) or "-"))

    rss = [(k, rec.seconds[k].rss_kb) for k in secs if rec.seconds[k].rss_kb]
    warm = min(args.warmup, args.seconds // 2)
    base = [v for k, v in rss if warm - 10 <= k < warm]
    end = [v for k, v in rss[-10:]]
    rss_base = statistics.median(base) if base else float("nan")
    rss_end = statistics.median(end) if end else float("nan")
    growth = (rss_end - rss_base) / rss_base * 100 if base and end else float("inf")
    total = {key: sum(r[key] for r in minutes) for key in ("requests", "2xx", "4xx", "5xx", "conn_errors", "unexpected")}
    all_lat = sorted(x for k in secs for x in rec.seconds[k].lat)
    summary = {
        "seconds": args.seconds, "clients": args.clients, "totals": total,
        "p50_ms": percentile(all_lat, 50) * 1e3, "p99_ms": percentile(all_lat, 99) * 1e3,
        "rss_kb": {"start": rss_start, "warm_median": rss_base, "end_median": rss_end,
                   "max": max((v for _, v in rss), default=None), "growth_percent": growth, "warmup_s": warm},
        "ivf_empty_answers": rec.ivf_empty, "crashed_at_s": crashed_at, "good_reloads": good_reloads, "corrupt_reloads": corrupt_results,
        "by_kind": {k: {str(s): n for s, n in v.items()} for k, v in sorted(rec.by_kind.items())},
        "server_errors": rec.server_errors, "unexpected_examples": rec.unexpected_examples, "minutes": minutes,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, default=str)

    bars = [
        ("0 responses 5xx", total["5xx"] == 0, "%d" % total["5xx"]),
        ("0 crashes", crashed_at is None, "none" if crashed_at is None else "server gone at %.0f s" % crashed_at),
        ("RSS growth after the %d s warm-up under %.0f%%" % (warm, args.max_rss_growth), growth < args.max_rss_growth,
         "%.1f -> %.1f MB (median of the 10 s before %d s -> median of the last 10 s): %+.2f%%; start %.1f MB, max %.1f MB"
         % (rss_base / 1024, rss_end / 1024, warm, growth, (rss_start or 0) / 1024, (summary["rss_kb"]["max"] or 0) / 1024)),
        ("corrupt reload refused, old run still serving, good files reloaded after",
         bool(corrupt_results) and all(r["refused_and_served"] for r in corrupt_results),
         "; ".join("%s at %d s: reload %s, same answers %s, %d valid requests meanwhile (%d not 2xx), restored reload %s"
                   % (os.path.basename(r["file"]), r["at_s"], r["reload"], r["same_answers"], r["valid_requests_meanwhile"],
                      r["valid_non2xx_meanwhile"], r["restored_reload"]) for r in corrupt_results) or "not exercised"),
        ("every reload of the good run succeeded", not good_reloads["other"],
         "%d ok, %d not" % (good_reloads["ok"], len(good_reloads["other"]))),
        ("every request got the status it should (valid: 2xx with a sound item list; malformed: its 4xx)", total["unexpected"] == 0,
         "%d unexpected" % total["unexpected"]),
        ("0 connection errors", total["conn_errors"] == 0, "%d" % total["conn_errors"]),
    ]
    print("\nOverall: %d requests in %d s from %d clients (%.0f/s), p50 %.2f ms, p99 %.2f ms; 2xx %d, 4xx %d, 5xx %d, "
          "connection errors %d; empty IVF answers %d" % (total["requests"], args.seconds, args.clients,
                                                          total["requests"] / args.seconds, summary["p50_ms"], summary["p99_ms"],
                                                          total["2xx"], total["4xx"], total["5xx"], total["conn_errors"],
                                                          rec.ivf_empty))
    failed = 0
    for name, ok, detail in bars:
        print("  [%s] %s: %s" % ("pass" if ok else "FAIL", name, detail))
        failed += not ok
    for e in rec.server_errors[:5]:
        print("  5xx: %s" % json.dumps(e))
    for e in rec.unexpected_examples[:10]:
        print("  unexpected: %s" % json.dumps(e))
    with open(os.path.join(args.out, "bars.txt"), "w") as f:
        f.write("".join("%s\t%s\t%s\n" % ("pass" if ok else "FAIL", name, detail) for name, ok, detail in bars))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
