#!/usr/bin/env python3
"""SIGKILL harness: kills esans train / cluster / compare at random moments, resumes them, and
checks that every resumed run ends bit-identical to an uninterrupted one.

Data: a small generated RecBole set (600 users, 400 items, a .item file with classes), so that
nothing is downloaded and the MSAC modalities structured and behaviour work offline.

Scenarios (see `scenarios()`):
  train-uns    the default recipe: validation, best.safetensors, refit, final.safetensors, export;
  train-esans  ESANS with its own MSAC fit in OUTPUT/msac, Adap-tau, plateau schedule, dropout,
               clusters refreshed every 3 epochs;
  train-plain  no validation, DNS, a history user tower and an MLP;
  cluster      `esans cluster --modalities structured,behaviour` into an empty directory;
  cluster-over the same, written over the finished output of another fit;
  compare      `esans compare --samplers uns,dns,esans --seeds 2` (6 runs and a default MSAC fit).

For each scenario it first makes an uninterrupted reference run (fixed seed) and a second one
(the two must agree: that is what makes "bit-identical" testable), then runs trials, all in the
same directory (paths inside it are recorded in the files): start the command, SIGKILL it (after
a seeded random delay spread over what is left of the run, or the moment the N-th temporary file
of an atomic write appears), check the directory, start the same command again (`--resume` for
train; compare and cluster are simply re-run, as the tool documents), and so on, 1 to 6 kills
per trial, until the command finishes on its own. Then the outputs are compared with the reference.

Checks:
  (a) after every kill, every file in the directory is readable: safetensors headers and both
      XXH64 checksums, .npy headers and sizes, JSON files, semantic_ids.tsv against its .xxh64
      sidecar and against the codes of msac.safetensors beside it (one fit, not two); and the next
      start never fails (any exit other than our SIGKILL or 0 is a failure, its stderr is kept);
      a train start that finds a checkpoint must say it resumes from that epoch;
  (b) the finished outputs equal the reference's: every file byte for byte, except the fields
      that are timings (train_seconds, eval_seconds, *_seconds*, `esans.refit_seconds`, the
      "Total X s." of MSAC's report.md, the seconds column of compare.csv) and the compare
      reports that print timings (report.md, report.html, quality_per_cost.svg), which are
      compared without them or skipped;
  (c) compare: a run finished before a start is reported reused and its files are not rewritten
      (same inode, modification time and bytes);
  (d) no temporary file of a killed write is left behind once a trial has finished.
Where each kill landed is read from what it left: the temporary file of the write it
interrupted, or else the run's phase (epoch, refit, export, MSAC fit, ...).

Usage:
  scripts/crash-harness.py [--esans BIN] [--cycles N] [--seed S] [--scenarios train,cluster,compare]
                           [--work DIR] [--keep]
  BIN defaults to $ESANS_BIN or .build-rel/release/esans (a release build: debug is ~100x slower).
  --cycles N is the number of SIGKILLs per scenario group (train, cluster, compare), 80 by
  default; --cycles 5 is the CI-sized mode. Failing trials are kept under WORK/failed/, logs
  under WORK/logs/, the figures in WORK/summary.json.
Only the Python 3 standard library is used. Exit status 0 when every check passed.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
from esans_files import Unreadable, check_tree, compare_trees, finished_runs, read_safetensors, temp_files  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Where a kill landed, read from the directory it left


def safetensors_meta(path):
    try:
        return read_safetensors(path)[0]
    except (OSError, Unreadable, ValueError, KeyError):
        return None


def checkpoint_epoch(run_dir):
    """The epoch of model.safetensors in a training run directory (None without one)."""
    meta = safetensors_meta(os.path.join(run_dir, "model.safetensors"))
    return int(meta["esans.epoch"]) if meta and "esans.epoch" in meta else None


def train_phase(run_dir):
    """Phase of a training run directory: startup, epoch k, refit k, export, finished."""
    mp = os.path.join(run_dir, "metrics.json")
    try:
        metrics = json.load(open(mp))
    except (OSError, ValueError):
        metrics = None
    if metrics and "final" in metrics:
        return "finished"
    if os.path.exists(os.path.join(run_dir, "final.safetensors")) or os.path.exists(os.path.join(run_dir, "per_user_test.safetensors")):
        return "export"
    if os.path.exists(os.path.join(run_dir, "refit.safetensors")):
        return "refit"
    meta = safetensors_meta(os.path.join(run_dir, "model.safetensors"))
    if meta is None:
        return "startup/epoch 1"
    return "training"


def classify(scenario, root, pid, since_ns=0, total_runs=0):
    """A label for where the process with `pid` was killed, from what it left in `root` (files
    older than `since_ns` are an earlier output's; a compare has `total_runs` runs)."""
    writing = sorted({t for t, p, _ in temp_files(root) if p == pid})
    if writing:
        return "mid-write " + ",".join(re.sub(r"^runs/[^/]+/", "runs/*/", w) for w in writing)
    if scenario.kind == "cluster":
        present = [f for f in ("msac.safetensors", "semantic_ids.tsv", "semantic_ids.tsv.xxh64", "cluster_sizes.svg", "report.md")
                   if os.path.exists(os.path.join(root, f)) and os.stat(os.path.join(root, f)).st_mtime_ns >= since_ns]
        return "fit (before the first write)" if not present else "between writes (%d of 5 files new)" % len(present)
    if scenario.kind == "train":
        if os.path.isdir(os.path.join(root, "msac")) and not os.path.exists(os.path.join(root, "msac", "cache_key.txt")):
            return "msac fit"
        return train_phase(root)
    # compare: the first run directory that is not finished, or the report
    if not os.path.exists(os.path.join(root, "msac")) or not os.path.isdir(os.path.join(root, "runs")):
        return "startup/msac fit"
    runs = sorted(os.listdir(os.path.join(root, "runs")))
    done = finished_runs(root)
    for d in runs:
        if d not in done:
            return "run %d of %d: %s" % (len(done) + 1, total_runs, train_phase(os.path.join(root, "runs", d)))
    return "report (all runs finished)" if len(runs) == total_runs else "between runs"


# ---------------------------------------------------------------------------------------------
# Scenarios


class Scenario:
    """A command to kill and resume. `previous`: arguments of a command whose finished output
    fills the directory before every trial (a new fit written over an older one)."""

    def __init__(self, name, kind, args, resume_flag, previous=None):
        self.name, self.kind, self.args, self.resume_flag, self.previous = name, kind, args, resume_flag, previous

    def command(self, esans, out):
        return [esans] + self.args + ["--output", out] + (["--resume"] if self.resume_flag else [])


def scenarios(data):
    d = ["--data", data, "--format", "recbole", "--split", "time:0.8"]
    small = ["--dim", "32", "--batch-size", "256", "--threads", "2"]
    return {
        "train": [
            # The default recipe: BSL, UNS, validation, best.safetensors, cosine schedule, refit, export.
            Scenario("train-uns", "train", ["train"] + d + small + ["--negatives", "128", "--epochs", "12", "--eval-every", "2", "--seed", "7"], True),
            # ESANS with its default MSAC fit in OUTPUT/msac, Adap-tau's per-user state, the plateau
            # schedule (best weights reloaded), user dropout and clusters refreshed every 3 epochs.
            Scenario("train-esans", "train", ["train"] + d + small + [
                "--sampler", "esans", "--negatives", "0", "--per-positive", "7", "--loss", "adaptau", "--adaptau-warmup", "2",
                "--lr-schedule", "plateau", "--plateau-patience", "1", "--lr", "0.08", "--user-dropout", "0.1",
                "--refresh-clusters", "3", "--epochs", "10", "--eval-every", "1", "--seed", "9"], True),
            # No validation (no best, refit or final model; test metrics at every evaluation), DNS,
            # a history user tower and MLP layers (dense Adam state).
            Scenario("train-plain", "train", ["train"] + d + small + [
                "--validation", "0", "--sampler", "dns", "--negatives", "0", "--per-positive", "4", "--history", "--hidden", "32",
                "--epochs", "8", "--eval-every", "3", "--seed", "13"], True),
        ],
        "cluster": [
            Scenario("cluster", "cluster", ["cluster"] + d + ["--modalities", "structured,behaviour", "--kp", "8", "--ks", "4", "--seed", "3"], False),
            # The same fit written over the output of another one (other seed and codebook sizes):
            # an interrupted rewrite must never leave the semantic IDs of one fit beside the other's model.
            Scenario("cluster-over", "cluster", ["cluster"] + d + ["--modalities", "structured,behaviour", "--kp", "8", "--ks", "4", "--seed", "3"], False,
                     previous=["cluster"] + d + ["--modalities", "behaviour", "--kp", "12", "--ks", "3", "--seed", "4"]),
        ],
        "compare": [
            Scenario("compare", "compare", ["compare"] + d + small + [
                "--samplers", "uns,dns,esans", "--seeds", "2", "--epochs", "4", "--eval-every", "2", "--seed", "5"], False),
        ],
    }


def make_data(directory, seed=11, users=600, items=400, groups=12):
    """A small RecBole data set (taste groups, a .item file with classes for the structured modality)."""
    os.makedirs(directory, exist_ok=True)
    r = random.Random(seed)
    genres = ["g%d" % g for g in range(groups)]
    with open(os.path.join(directory, "data.item"), "w") as f:
        f.write("item_id:token\tclass:token_seq\n")
        for i in range(items):
            gs = {genres[i % groups]} | ({r.choice(genres)} if r.random() < 0.4 else set())
            f.write("i%d\t%s\n" % (i, " ".join(sorted(gs))))
    with open(os.path.join(directory, "data.inter"), "w") as f:
        f.write("user_id:token\titem_id:token\trating:float\ttimestamp:float\n")
        for u in range(users):
            g, k, seen = r.randrange(groups), r.randint(8, 45), set()
            while len(seen) < k:
                seen.add(r.randrange(items // groups) * groups + g if r.random() < 0.75 else r.randrange(items))
            for i in sorted(seen):
                f.write("u%d\ti%d\t%d\t%d\n" % (u, i, r.randint(1, 5), r.randrange(10 ** 6)))


# ---------------------------------------------------------------------------------------------
# Running, killing, resuming


class Attempt:
    """One start of a command: run to the end, or kill it by a timer or on the N-th atomic write."""

    def __init__(self, cmd, out, log_prefix):
        self.cmd, self.out, self.log_prefix = cmd, out, log_prefix

    def run(self, kill_after=None, kill_on_write=None, timeout=600):
        """Returns (status, pid, writes_seen): status 'killed', 'ok' or 'failed:<code>'."""
        with open(self.log_prefix + ".out", "w") as so, open(self.log_prefix + ".err", "w") as se:
            proc = subprocess.Popen(self.cmd, stdout=so, stderr=se)
            start, seen, killed = time.monotonic(), set(), False
            while proc.poll() is None:
                now = time.monotonic() - start
                fire = now > timeout or (kill_after is not None and now >= kill_after)
                if not fire:
                    for _, pid, path in temp_files(self.out):
                        if pid == proc.pid:
                            seen.add(path)
                    fire = kill_on_write is not None and len(seen) > kill_on_write
                if fire:
                    try:
                        os.kill(proc.pid, signal.SIGKILL)
                        killed = True
                    except ProcessLookupError:
                        pass
                    break
                time.sleep(0.0003 if kill_on_write is not None else 0.002)
            code = proc.wait()
            if code == -signal.SIGKILL and killed:
                return ("timeout" if time.monotonic() - start > timeout else "killed"), proc.pid, len(seen)
            return ("ok" if code == 0 else "failed:%d" % code), proc.pid, len(seen)


def count_writes(esans, scenario, out, log_prefix):
    """Reference run with polling: its wall time and how many atomic writes were seen."""
    t0 = time.monotonic()
    status, _, seen = Attempt(scenario.command(esans, out), out, log_prefix).run(kill_on_write=10 ** 9)
    return status, time.monotonic() - t0, seen


def run_trial(esans, sc, ref, trial, rng, kills_wanted, stats, work, failures, timeout):
    """One trial in the scenario's run directory: kills and resumes until the command finishes,
    then the comparison with the reference. Returns (kills, passed); failures get appended."""
    out, logs = ref["run"], os.path.join(work, "logs")
    keep = os.path.join(work, "failed", trial)
    trial_dir = trial
    shutil.rmtree(out, ignore_errors=True)
    if ref.get("previous"):
        shutil.copytree(ref["previous"], out)
    since_ns = time.time_ns()
    kills = attempt_no = writes_done = 0
    elapsed = 0.0
    while True:
        attempt_no += 1
        before_finished = finished_runs(out) if sc.kind == "compare" else {}
        before_epoch = checkpoint_epoch(out) if sc.kind == "train" else None
        mode = None
        if kills < kills_wanted:
            # Spread over what is probably left of the run: a resumed command skips what is done.
            if rng.random() < 0.5:
                mode = ("timer", rng.uniform(0.0, 0.95) * max(0.25 * ref["seconds"], ref["seconds"] - elapsed))
            else:
                mode = ("write", rng.randrange(max(1, int(0.9 * (ref["writes"] - writes_done)))))
        t0 = time.monotonic()
        prefix = os.path.join(logs, "%s-a%03d" % (trial, attempt_no))
        att = Attempt(sc.command(esans, out), out, prefix)
        if mode is None:
            status, pid, seen = att.run(timeout=timeout)
        elif mode[0] == "timer":
            status, pid, seen = att.run(kill_after=mode[1], timeout=timeout)
        else:
            status, pid, seen = att.run(kill_on_write=mode[1], timeout=timeout)
        elapsed += time.monotonic() - t0
        writes_done += seen
        for d, snap in before_finished.items():
            now = finished_runs(out).get(d)
            if now != snap:
                failures.append("%s attempt %d: finished run %s was rewritten by a later start" % (trial_dir, attempt_no, d))
        if status == "killed":
            kills += 1
            phase = classify(sc, out, pid, since_ns, total_runs=len(os.listdir(os.path.join(ref["dir"], "runs"))) if sc.kind == "compare" else 0)
            stats.setdefault(sc.name, {}).setdefault(phase, [0, 0])[0 if mode[0] == "timer" else 1] += 1
            try:
                check_tree(out)
            except (Unreadable, OSError, ValueError) as e:
                failures.append("%s after kill %d (%s): unreadable: %s" % (trial_dir, kills, phase, e))
                shutil.copytree(out, keep + "-unreadable-%d" % kills, dirs_exist_ok=True)
            continue
        if status == "ok":
            text = open(prefix + ".out").read()
            if before_epoch and "resuming after epoch %d" % before_epoch not in text:
                failures.append("%s attempt %d: did not resume from the checkpoint of epoch %d" % (trial_dir, attempt_no, before_epoch))
            reused = len(re.findall(r": finished earlier, reused", text))
            if reused < len(before_finished):
                failures.append("%s attempt %d: %d runs were finished, %d reported reused" % (trial_dir, attempt_no, len(before_finished), reused))
            break
        err = open(prefix + ".err").read()[-2000:]
        failures.append("%s attempt %d: %s after %d kills; stderr: %s" % (trial_dir, attempt_no, status, kills, err.strip()))
        shutil.copytree(out, keep + "-a%d" % attempt_no, dirs_exist_ok=True)
        return kills, False
    diffs = compare_trees(ref["dir"], out)
    left = temp_files(out)
    if left:
        failures.append("%s: %d temporary files of killed writes left behind (%s)" % (trial_dir, len(left), ", ".join(sorted({t for t, _, _ in left}))))
    if diffs:
        failures.append("%s: differs from the reference after %d kills: %s" % (trial_dir, kills, "; ".join(diffs[:12])))
    if diffs or left:
        shutil.copytree(out, keep, dirs_exist_ok=True)
    return kills, not diffs and not left


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--esans", default=os.environ.get("ESANS_BIN", os.path.join(root, ".build-rel", "release", "esans")))
    ap.add_argument("--work", default=os.path.join(root, ".crash-harness"))
    ap.add_argument("--cycles", type=int, default=80, help="SIGKILLs per scenario group (train, cluster, compare)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", default="train,cluster,compare")
    ap.add_argument("--max-kills-per-trial", type=int, default=6)
    ap.add_argument("--keep", action="store_true", help="keep the trial directories of passing trials")
    args = ap.parse_args()
    if not os.access(args.esans, os.X_OK):
        sys.exit("no esans binary at %s (build it: swift build -c release --scratch-path .build-rel, or pass --esans)" % args.esans)
    esans = os.path.abspath(args.esans)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "logs"))
    data = os.path.join(work, "data")
    make_data(data)
    rng = random.Random(args.seed)
    groups = scenarios(data)
    failures, stats, summary = [], {}, {}
    t_start = time.monotonic()
    for group in args.scenarios.split(","):
        scs = groups[group]
        refs = {}
        for sc in scs:
            # Every run of a scenario happens in the same directory (paths inside it, such as the
            # semantic IDs of OUTPUT/msac, are recorded in the run's files); the reference is then
            # moved aside.
            run_dir = os.path.join(work, "run", sc.name)
            ref_dir = os.path.join(work, "ref", sc.name)
            previous = None
            if sc.previous:
                previous = os.path.join(work, "previous", sc.name)
                pre = Scenario(sc.name, sc.kind, sc.previous, sc.resume_flag)
                status, _, _ = Attempt(pre.command(esans, run_dir), run_dir, os.path.join(work, "logs", "previous-" + sc.name)).run()
                if status != "ok":
                    sys.exit("previous output of %s failed (%s)" % (sc.name, status))
                os.makedirs(os.path.dirname(previous), exist_ok=True)
                os.rename(run_dir, previous)
            status, seconds, writes = count_writes(esans, sc, run_dir, os.path.join(work, "logs", "ref-" + sc.name))
            if status != "ok":
                sys.exit("reference run of %s failed (%s); see %s/logs/ref-%s.err" % (sc.name, status, work, sc.name))
            os.makedirs(os.path.dirname(ref_dir), exist_ok=True)
            os.rename(run_dir, ref_dir)
            # A second uninterrupted run shows what legitimately differs between two runs (timings only).
            status, _, _ = Attempt(sc.command(esans, run_dir), run_dir, os.path.join(work, "logs", "ref2-" + sc.name)).run()
            again = compare_trees(ref_dir, run_dir) if status == "ok" else ["second run: " + status]
            if again:
                failures.append("%s: two uninterrupted runs differ: %s" % (sc.name, "; ".join(again[:8])))
            shutil.rmtree(run_dir, ignore_errors=True)
            refs[sc.name] = {"dir": ref_dir, "run": run_dir, "seconds": seconds, "writes": writes, "previous": previous}
            print("reference %-12s %.2fs, %d atomic writes seen" % (sc.name, seconds, writes), flush=True)
        kills = trials = passed = 0
        t0 = time.monotonic()
        while kills < args.cycles:
            sc = scs[trials % len(scs)]
            want = min(args.cycles - kills, rng.randint(1, args.max_kills_per_trial))
            trial = "%s-%03d" % (sc.name, trials)
            k, ok = run_trial(esans, sc, refs[sc.name], trial, rng, want, stats, work, failures,
                              timeout=max(60, 30 * refs[sc.name]["seconds"]))
            trials += 1
            kills += k
            passed += ok
            summary.setdefault(sc.name, {"trials": 0, "kills": 0, "passed": 0})
            summary[sc.name]["trials"] += 1
            summary[sc.name]["kills"] += k
            summary[sc.name]["passed"] += ok
            if args.keep:
                shutil.copytree(refs[sc.name]["run"], os.path.join(work, "trials", trial), dirs_exist_ok=True)
            print("  %s: %d kills, %s" % (trial, k, "identical to the reference" if ok else "FAILED"), flush=True)
        print("%s: %d SIGKILL-and-resume cycles in %d trials, %d trials identical, %.0fs" % (group, kills, trials, passed, time.monotonic() - t0), flush=True)
    print("\nwhere the kills landed (timer kills / kills on a temporary file):")
    for name in sorted(stats):
        for phase, (timer, onwrite) in sorted(stats[name].items()):
            print("  %-12s %-58s %4d  %4d" % (name, phase, timer, onwrite))
    total = sum(s["kills"] for s in summary.values())
    print("\n%-12s %7s %7s %7s" % ("scenario", "trials", "kills", "equal"))
    for name, s in sorted(summary.items()):
        print("%-12s %7d %7d %7d" % (name, s["trials"], s["kills"], s["passed"]))
    print("total: %d SIGKILL-and-resume cycles, %d failures, %.0fs" % (total, len(failures), time.monotonic() - t_start))
    for f in failures:
        print("FAILURE: " + f)
    json.dump({"summary": summary, "phases": stats, "failures": failures, "cycles": total},
              open(os.path.join(work, "summary.json"), "w"), indent=1, sort_keys=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
