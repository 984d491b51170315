"""Reading the files esans writes without esans, for scripts/crash-harness.py: XXH64, the
safetensors / .npy / JSON / checksum-sidecar checks, the comparison of two finished directories
up to timing fields, and the temporary files of interrupted atomic writes. Standard library only.
"""
import json
import os
import re
import struct

# ---------------------------------------------------------------------------------------------
# XXH64 (the checksum esans writes into safetensors metadata and .xxh64 sidecars)

_P1, _P2, _P3, _P4, _P5 = (11400714785074694791, 14029467366897019727, 1609587929392839161,
                           9650029242287828579, 2870177450012600261)
_M = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc, lane):
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxh64(data, seed=0):
    n, i = len(data), 0
    if n >= 32:
        v1, v2, v3, v4 = (seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M
        stripes = n // 32
        lanes = struct.unpack_from("<%dQ" % (stripes * 4), data)
        for j in range(0, stripes * 4, 4):
            v1 = _round(v1, lanes[j]); v2 = _round(v2, lanes[j + 1])
            v3 = _round(v3, lanes[j + 2]); v4 = _round(v4, lanes[j + 3])
        i = stripes * 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
        for v in (v1, v2, v3, v4):
            h = ((h ^ _round(0, v)) * _P1 + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        h ^= _round(0, struct.unpack_from("<Q", data, i)[0])
        h = (_rotl(h, 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        h ^= (struct.unpack_from("<I", data, i)[0] * _P1) & _M
        h = (_rotl(h, 23) * _P2 + _P3) & _M
        i += 4
    while i < n:
        h ^= (data[i] * _P5) & _M
        h = (_rotl(h, 11) * _P1) & _M
        i += 1
    h ^= h >> 33; h = (h * _P2) & _M; h ^= h >> 29; h = (h * _P3) & _M; h ^= h >> 32
    return h


# ---------------------------------------------------------------------------------------------
# Reading esans files independently of esans

TEMP_RE = re.compile(r"^\.(?P<target>.+)\.tmp-(?P<pid>\d+)-\d+$")
TIMING_KEY_RE = re.compile(r"(^|_)seconds($|_)")
TIMING_META = {"esans.refit_seconds"}


class Unreadable(Exception):
    pass


def read_safetensors(path):
    """(metadata, {name: bytes}) of a safetensors file, verifying esans's two checksums."""
    data = open(path, "rb").read()
    if len(data) < 8:
        raise Unreadable("%s: %d bytes, shorter than the length prefix" % (path, len(data)))
    n = struct.unpack_from("<Q", data)[0]
    if 8 + n > len(data):
        raise Unreadable("%s: header of %d bytes beyond the file's %d" % (path, n, len(data)))
    raw = data[8:8 + n]
    try:
        header = json.loads(raw)
    except ValueError as e:
        raise Unreadable("%s: header is not JSON (%s)" % (path, e))
    meta = header.pop("__metadata__", {})
    payload = data[8 + n:]
    want = meta.get("esans.payload_xxh64")
    if want is not None and "%016x" % xxh64(payload) != want:
        raise Unreadable("%s: payload checksum mismatch" % path)
    hh = meta.get("esans.header_xxh64")
    if hh is not None:
        key = b'"esans.header_xxh64":"' + hh.encode() + b'"'
        if raw.count(key) != 1:
            raise Unreadable("%s: header checksum entry not found once" % path)
        zeroed = data[:8] + raw.replace(key, b'"esans.header_xxh64":"' + b"0" * 16 + b'"')
        if "%016x" % xxh64(zeroed) != hh:
            raise Unreadable("%s: header checksum mismatch" % path)
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        if not (0 <= b <= end <= len(payload)):
            raise Unreadable("%s: tensor %s out of range" % (path, name))
        tensors[name] = (e["dtype"], tuple(e["shape"]), payload[b:end])
    return meta, tensors


def check_npy(path):
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        raise Unreadable("%s: no .npy magic" % path)
    hlen = struct.unpack_from("<H", data, 8)[0]
    head = data[10:10 + hlen].decode("latin1")
    m = re.search(r"'descr': '<([fi])(\d)'.*'shape': \(([^)]*)\)", head)
    if not m:
        raise Unreadable("%s: header not understood: %r" % (path, head))
    count = 1
    for s in m.group(3).split(","):
        if s.strip():
            count *= int(s)
    if len(data) != 10 + hlen + count * int(m.group(2)):
        raise Unreadable("%s: %d bytes for %d values" % (path, len(data), count))


_checked = {}  # (path, inode, mtime, size) of files already verified: only new writes are hashed again


def check_tree(root):
    """Raises Unreadable on the first file under root that esans could not read back, or on an
    MSAC output whose two files come from different fits."""
    for dirpath, _, files in os.walk(root):
        check_msac_pair(dirpath)
        for f in files:
            p = os.path.join(dirpath, f)
            if TEMP_RE.match(f):
                continue
            st = os.stat(p)
            key = (p, st.st_ino, st.st_mtime_ns, st.st_size)
            if key in _checked:
                continue
            if f.endswith(".safetensors"):
                read_safetensors(p)
            elif f.endswith(".npy"):
                check_npy(p)
            elif f.endswith(".json"):
                try:
                    json.load(open(p))
                except ValueError as e:
                    raise Unreadable("%s: not JSON (%s)" % (p, e))
            elif f.endswith(".xxh64"):
                target = p[:-len(".xxh64")]
                line = open(p).read()
                if not re.fullmatch(r"[0-9a-f]{16}  %s\n" % re.escape(os.path.basename(target)), line):
                    raise Unreadable("%s: malformed sidecar" % p)
                if os.path.exists(target) and "%016x" % xxh64(open(target, "rb").read()) != line[:16]:
                    raise Unreadable("%s: checksum mismatch with its sidecar" % target)
                continue  # the pair is checked again whenever the sidecar is seen
            _checked[key] = True


def check_msac_pair(directory):
    """semantic_ids.tsv and msac.safetensors side by side must be one fit: the codes agree."""
    tsv, model = os.path.join(directory, "semantic_ids.tsv"), os.path.join(directory, "msac.safetensors")
    if not (os.path.exists(tsv) and os.path.exists(model)):
        return
    _, tensors = read_safetensors(model)
    if "primary_codes" not in tensors:
        return
    codes = []
    for name in ("primary_codes", "secondary_codes"):
        raw = tensors[name][2]
        codes.append(list(struct.unpack("<%di" % (len(raw) // 4), raw)))
    rows = [line.split("\t") for line in open(tsv).read().splitlines()[1:]]
    if [int(r[1]) for r in rows] != codes[0] or [int(r[2]) for r in rows] != codes[1]:
        raise Unreadable("%s: codes differ from msac.safetensors beside it (files of two fits)" % tsv)


def temp_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            m = TEMP_RE.match(f)
            if m:
                out.append((os.path.relpath(os.path.join(dirpath, m.group("target")), root), int(m.group("pid")),
                            os.path.join(dirpath, f)))
    return out


# ---------------------------------------------------------------------------------------------
# Comparing a finished directory with the reference


def _strip_timings(x):
    if isinstance(x, dict):
        return {k: _strip_timings(v) for k, v in x.items() if not TIMING_KEY_RE.search(k)}
    if isinstance(x, list):
        return [_strip_timings(v) for v in x]
    return x


def _canonical_json(path):
    return json.dumps(_strip_timings(json.load(open(path))), sort_keys=True)


def _csv_without_timings(path):
    rows = [line.split(",") for line in open(path).read().splitlines()]
    keep = [i for i, h in enumerate(rows[0]) if not TIMING_KEY_RE.search(h)] if rows else []
    return [[r[i] for i in keep if i < len(r)] for r in rows]


def _safetensors_view(path):
    meta, tensors = read_safetensors(path)
    meta = {k: v for k, v in meta.items() if k not in TIMING_META and k != "esans.header_xxh64"}
    return meta, tensors


SKIPPED = {"report.html", "quality_per_cost.svg"}  # compare's reports print timings throughout


def compare_trees(ref, got):
    """Differences between two finished directories (empty: identical up to timings)."""
    diffs = []

    def files(root):
        out = set()
        for dirpath, _, fs in os.walk(root):
            for f in fs:
                if not TEMP_RE.match(f):
                    out.add(os.path.relpath(os.path.join(dirpath, f), root))
        return out

    a, b = files(ref), files(got)
    for rel in sorted(a ^ b):
        diffs.append("%s: only in %s" % (rel, "reference" if rel in a else "resumed run"))
    for rel in sorted(a & b):
        pa, pb = os.path.join(ref, rel), os.path.join(got, rel)
        name = os.path.basename(rel)
        if name in SKIPPED:
            continue
        if name == "report.md" and os.path.exists(os.path.join(os.path.dirname(pa), "compare.json")):
            continue
        if name.endswith(".json"):
            same = _canonical_json(pa) == _canonical_json(pb)
        elif name.endswith(".csv"):
            same = _csv_without_timings(pa) == _csv_without_timings(pb)
        elif name == "report.md":
            strip = lambda p: re.sub(r"Total [0-9.]+ s\.", "Total _ s.", open(p).read())
            same = strip(pa) == strip(pb)
        elif name.endswith(".safetensors"):
            ma, ta = _safetensors_view(pa)
            mb, tb = _safetensors_view(pb)
            same = ma == mb and ta == tb
            if not same:
                bad = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
                bad += sorted("meta:" + k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
                diffs.append("%s: differs (%s)" % (rel, ", ".join(bad[:6])))
                continue
        else:
            same = open(pa, "rb").read() == open(pb, "rb").read()
        if not same:
            diffs.append("%s: differs" % rel)
    return diffs


def finished_runs(root):
    """Run directories under root whose metrics.json has a final entry, with their files' inode,
    modification time and bytes (a rewrite, even with the same bytes, changes the first two)."""
    out = {}
    runs = os.path.join(root, "runs")
    if not os.path.isdir(runs):
        return out
    for d in sorted(os.listdir(runs)):
        mp = os.path.join(runs, d, "metrics.json")
        try:
            if "final" not in json.load(open(mp)):
                continue
        except (OSError, ValueError):
            continue
        snap = {}
        for dirpath, _, fs in os.walk(os.path.join(runs, d)):
            for f in fs:
                p = os.path.join(dirpath, f)
                st = os.stat(p)
                snap[os.path.relpath(p, root)] = (st.st_ino, st.st_mtime_ns, open(p, "rb").read())
        out[d] = snap
    return out
