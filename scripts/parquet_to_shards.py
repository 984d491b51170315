#!/usr/bin/env python3
"""Convert a Parquet interaction log into esans's sharded CSR layout (esans-csr-shards v1).

    python3 scripts/parquet_to_shards.py LOG.parquet --shards S --output DIR
            [--user-column user] [--item-column item] [--time-column timestamp|none]
            [--engine duckdb|spark] [--force]

LOG.parquet holds one interaction per row (user, item[, timestamp]); a glob such as
'part-*.parquet' reads several files in name order. The output is the layout of
docs/sharded-format.md, unsplit: ids numbered in first-seen order (files in name order, rows
in file order), user u in shard u % S, each row in the source's order, timestamps as int64
when there is a time column, no 'role' arrays. `esans ... --data DIR` splits it on load like
the CSV file of the same rows (default time:0.8; --split loo, random:R, ...).

The DuckDB engine (pip install duckdb) does the numbering, the join and the per-shard sort
out of core; the Spark engine (pyspark) does the same with DataFrames and collects one shard
at a time to the driver. Both write into DIR's sibling '.DIR.tmp-PID' and rename it into place
when complete. Needs numpy.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np

FORMAT = "esans-csr-shards"
TIME_NAMES = ("timestamp", "time", "ts")


def fail(message):
    print(f"parquet_to_shards.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def file_entry(directory, name):
    path = os.path.join(directory, name)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"name": name, "bytes": os.path.getsize(path), "sha256": digest.hexdigest()}


def save(directory, name, array):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    return file_entry(directory, name)


def write_ids(directory, name, chunks):
    """Writes one id a line from an iterable of id lists; refuses ids with line breaks."""
    path = os.path.join(directory, name)
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for chunk in chunks:
            for value in chunk:
                text = str(value)
                if "\n" in text or "\r" in text:
                    fail(f"{name}: id {text[:40]!r} holds a line break; the id files hold one id a line")
                f.write(text + "\n")
                count += 1
        f.flush()
        os.fsync(f.fileno())
    return count, file_entry(directory, name)


def shard_arrays(directory, s, rows, local_rows, items, times):
    """indptr/indices[/timestamps] of shard s from its pairs sorted by (row, source position)."""
    counts = np.bincount(local_rows, minlength=rows) if rows > 0 else np.zeros(0, dtype=np.int64)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    stem = f"shard-{s:05d}"
    files = {
        "indptr": save(directory, f"{stem}.indptr.npy", indptr),
        "indices": save(directory, f"{stem}.indices.npy", items.astype("<i4", copy=False)),
    }
    if times is not None:
        files["timestamps"] = save(directory, f"{stem}.timestamps.npy", times.astype("<i8", copy=False))
    return {"index": s, "rows": rows, "nnz": int(len(items)), "files": files}


def rows_in_shard(s, users, shards):
    return (users - s + shards - 1) // shards if s < users else 0


def pick_time_column(columns, asked):
    if asked == "none":
        return None
    if asked is not None:
        if asked not in columns:
            fail(f"--time-column {asked!r} is not a column of the file (columns: {', '.join(columns)})")
        return asked
    named = [c for c in columns if c.lower() in TIME_NAMES]
    if len(named) > 1:
        fail(f"several columns look like a timestamp ({', '.join(named)}); name one with --time-column")
    return named[0] if named else None


def convert_duckdb(args, out):
    import duckdb

    con = duckdb.connect()
    source = "read_parquet(?, filename = true, file_row_number = true)"
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", [args.input]).fetchall()]
    except duckdb.Error as e:
        fail(f"{args.input}: {e}")
    for role, name in (("user", args.user_column), ("item", args.item_column)):
        if name not in columns:
            fail(f"{args.input}: no {role} column {name!r} (columns: {', '.join(c for c in columns if c not in ('filename', 'file_row_number'))}); "
                 f"name it with --{role}-column")
    time_col = pick_time_column([c for c in columns if c not in ("filename", "file_row_number")], args.time_column)
    q = lambda name: '"' + name.replace('"', '""') + '"'
    if time_col is not None:
        kind = con.execute(f"SELECT typeof({q(time_col)}) FROM {source} LIMIT 1", [args.input]).fetchone()
        is_instant = kind is not None and kind[0].upper().startswith(("TIMESTAMP", "DATE"))
        time_expr = f"epoch({q(time_col)})::BIGINT" if is_instant else f"CAST({q(time_col)} AS BIGINT)"
    else:
        time_expr = "NULL::BIGINT"
    con.execute(f"""
        CREATE TEMP TABLE log AS
        SELECT CAST({q(args.user_column)} AS VARCHAR) AS u, CAST({q(args.item_column)} AS VARCHAR) AS i,
               {time_expr} AS t, row_number() OVER (ORDER BY filename, file_row_number) AS pos
        FROM {source}""", [args.input])
    missing = con.execute("SELECT count(*) FROM log WHERE u IS NULL OR i IS NULL OR (? AND t IS NULL)",
                          [time_col is not None]).fetchone()[0]
    if missing:
        fail(f"{args.input}: {missing} rows have no user, item or timestamp value")
    # Dense indices in first-seen order, as esans numbers the ids of a CSV file.
    con.execute("CREATE TEMP TABLE users AS SELECT u, row_number() OVER (ORDER BY min(pos)) - 1 AS idx FROM log GROUP BY u")
    con.execute("CREATE TEMP TABLE items AS SELECT i, row_number() OVER (ORDER BY min(pos)) - 1 AS idx FROM log GROUP BY i")
    con.execute("""CREATE TEMP TABLE pairs AS
                   SELECT users.idx AS uidx, items.idx AS iidx, log.t AS t, log.pos AS pos
                   FROM log JOIN users USING (u) JOIN items USING (i)""")
    n_users = con.execute("SELECT count(*) FROM users").fetchone()[0]
    n_items = con.execute("SELECT count(*) FROM items").fetchone()[0]
    if n_items > 2**31 - 1:
        fail(f"{n_items} items do not fit int32 indices")

    def id_chunks(table, column):
        cur = con.execute(f"SELECT {column} FROM {table} ORDER BY idx")
        while True:
            chunk = cur.fetchmany(100_000)
            if not chunk:
                return
            yield [row[0] for row in chunk]

    _, user_file = write_ids(out, "user_ids.txt", id_chunks("users", "u"))
    _, item_file = write_ids(out, "item_ids.txt", id_chunks("items", "i"))
    shards, total = [], 0
    for s in range(args.shards):
        res = con.execute("""SELECT (uidx // ?)::BIGINT AS r, iidx::INTEGER AS item, t FROM pairs
                             WHERE uidx % ? = ? ORDER BY uidx, pos""", [args.shards, args.shards, s]).fetchnumpy()
        times = np.asarray(res["t"], dtype=np.int64) if time_col is not None else None
        entry = shard_arrays(out, s, rows_in_shard(s, n_users, args.shards), np.asarray(res["r"], dtype=np.int64),
                             np.asarray(res["item"], dtype=np.int32), times)
        shards.append(entry)
        total += entry["nnz"]
    return n_users, n_items, total, time_col is not None, user_file, item_file, shards


def convert_spark(args, out):
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("parquet_to_shards").getOrCreate()
    df = spark.read.parquet(args.input)
    for role, name in (("user", args.user_column), ("item", args.item_column)):
        if name not in df.columns:
            fail(f"{args.input}: no {role} column {name!r} (columns: {', '.join(df.columns)}); name it with --{role}-column")
    time_col = pick_time_column(df.columns, args.time_column)
    # Source order: file name, then the position Spark gives rows within the file's scan.
    df = df.withColumn("_file", F.input_file_name()).withColumn("_mono", F.monotonically_increasing_id())
    df = df.withColumn("pos", F.row_number().over(Window.orderBy("_file", "_mono")))
    t = F.lit(None).cast("long")
    if time_col is not None:
        kind = dict(df.dtypes)[time_col]
        t = F.unix_timestamp(F.col(time_col)).cast("long") if kind in ("timestamp", "date") else F.col(time_col).cast("long")
    log = df.select(F.col(args.user_column).cast("string").alias("u"), F.col(args.item_column).cast("string").alias("i"),
                    t.alias("t"), "pos")
    users = log.groupBy("u").agg(F.min("pos").alias("first")).withColumn("idx", F.row_number().over(Window.orderBy("first")) - 1)
    items = log.groupBy("i").agg(F.min("pos").alias("first")).withColumn("idx", F.row_number().over(Window.orderBy("first")) - 1)
    pairs = (log.join(users.select("u", F.col("idx").alias("uidx")), "u")
                .join(items.select("i", F.col("idx").alias("iidx")), "i")
                .select("uidx", "iidx", "t", "pos").cache())
    n_users, n_items = users.count(), items.count()
    ids = lambda frame, column: ([row[column] for row in frame.orderBy("idx").toLocalIterator()],)
    _, user_file = write_ids(out, "user_ids.txt", ids(users, "u"))
    _, item_file = write_ids(out, "item_ids.txt", ids(items, "i"))
    shards, total = [], 0
    for s in range(args.shards):
        part = (pairs.where(F.col("uidx") % args.shards == s).orderBy("uidx", "pos")
                     .select((F.col("uidx") / args.shards).cast("long").alias("r"), "iidx", "t").toPandas())
        times = part["t"].to_numpy(dtype=np.int64) if time_col is not None else None
        entry = shard_arrays(out, s, rows_in_shard(s, n_users, args.shards), part["r"].to_numpy(dtype=np.int64),
                             part["iidx"].to_numpy(dtype=np.int32), times)
        shards.append(entry)
        total += entry["nnz"]
    spark.stop()
    return n_users, n_items, total, time_col is not None, user_file, item_file, shards


def default_name(source, out):
    """The input's stem, as esans names a CSV file's data set; the output's name for a glob."""
    base = os.path.basename(source)
    return os.path.basename(out) if any(c in base for c in "*?[") else os.path.splitext(base)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="Parquet file (or glob) of interactions")
    p.add_argument("--output", required=True, help="output directory (must not exist unless --force)")
    p.add_argument("--shards", type=int, required=True, help="number of shards S (user u goes to shard u %% S)")
    p.add_argument("--user-column", default="user")
    p.add_argument("--item-column", default="item")
    p.add_argument("--time-column", default=None, help="timestamp column (default: the one named timestamp, time or ts; 'none' for none)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--name", default=None, help="data set name (default: the input file's name without extension, "
                                                "or the output directory's for a glob)")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    args = p.parse_args()
    if args.shards < 1:
        fail("--shards must be at least 1")
    out = os.path.abspath(args.output)
    if os.path.exists(out) and not (args.force and os.path.exists(os.path.join(out, "manifest.json"))):
        fail(f"{out} exists" + ("" if args.force else "; pass --force to replace it") +
             ("" if not args.force else " and is not a sharded directory"))
    temp = os.path.join(os.path.dirname(out), f".{os.path.basename(out)}.tmp-{os.getpid()}")
    os.makedirs(temp)
    try:
        convert = convert_duckdb if args.engine == "duckdb" else convert_spark
        n_users, n_items, total, has_times, user_file, item_file, shards = convert(args, temp)
        manifest = {
            "format": FORMAT, "version": 1, "name": args.name or default_name(args.input, out),
            "num_users": n_users, "num_items": n_items, "num_interactions": total,
            "num_shards": args.shards, "sharding": "user % num_shards", "row_order": "source",
            "has_timestamps": has_times, "user_ids": user_file, "item_ids": item_file,
            "items_without_training": [],
            "notes": [f"converted from {os.path.basename(args.input)} by parquet_to_shards.py ({args.engine})"],
            "shards": shards,
        }
        with open(os.path.join(temp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(out):
            old = f"{temp}.old"
            os.rename(out, old)
            os.rename(temp, out)
            shutil.rmtree(old)
        else:
            os.rename(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    print(f"wrote {out}: {args.shards} shards, {n_users} users, {n_items} items, {total} interactions"
          + (", with timestamps" if has_times else ""))


if __name__ == "__main__":
    main()
