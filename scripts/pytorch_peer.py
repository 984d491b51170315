#!/usr/bin/env python3
"""The PyTorch peer of esans's default Gowalla setup, for side-by-side epoch timing.

The same model and data pipeline as `esans train`: ID embeddings (width --dim, default 160 as esans's recipe; N(0, 0.1^2)),
L2-normalised towers, every training pair once per epoch in shuffled batches of 1024, 1024
uniform negatives shared by the batch, negatives that are the row's positive or one of its
user's training items masked, and the loss on the logits <u, v> / tau (softmax: positive in
the partition; bsl: positive outside it, the log-partition weighted). Adam over the whole
tables, as the published PyTorch recipes do (sparse gradients with SparseAdam, the lazy Adam
esans uses, measured several times slower here). --no-mask skips the accidental-hit mask, as
many PyTorch scripts do. Prints the seconds of every epoch and, at the end, Recall@20 /
NDCG@20 on the test split with training items masked.

Usage: python3 scripts/pytorch_peer.py --data ../shared/data/gowalla --epochs 3 [--loss bsl] [--output DIR]
Needs torch (pip install torch); 2 threads unless --threads.
"""
import argparse, math, time
import numpy as np
import torch


def read_lightgcn(path):
    users, items = [], []
    for line in open(path):
        parts = line.split()
        if len(parts) < 2:
            continue
        u = int(parts[0])
        for i in parts[1:]:
            users.append(u); items.append(int(i))
    return np.array(users, dtype=np.int64), np.array(items, dtype=np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--loss", choices=["softmax", "bsl"], default="softmax")
    ap.add_argument("--tau", type=float, default=None)
    ap.add_argument("--bsl-weight", type=float, default=1.22)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--dim", type=int, default=160, help="embedding width (esans's default: 160)")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--negatives", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--no-mask", action="store_true", help="no accidental-hit masking")
    ap.add_argument("--output", help="directory for metrics.json (epoch timings), as scripts/interleaved-timing.sh reads")
    a = ap.parse_args()
    tau = a.tau if a.tau is not None else (0.08 if a.loss == "bsl" else 0.1)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    tu, ti = read_lightgcn(a.data + "/train.txt")
    su, si = read_lightgcn(a.data + "/test.txt")
    n_users = int(max(tu.max(), su.max())) + 1
    n_items = int(max(ti.max(), si.max())) + 1
    train_keys = torch.from_numpy(np.sort(tu * n_items + ti))
    U = torch.nn.Embedding(n_users, a.dim); I = torch.nn.Embedding(n_items, a.dim)
    torch.nn.init.normal_(U.weight, std=0.1); torch.nn.init.normal_(I.weight, std=0.1)
    opt = torch.optim.Adam(list(U.parameters()) + list(I.parameters()), lr=a.lr)
    users_t, items_t = torch.from_numpy(tu), torch.from_numpy(ti)
    log = []
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        order = torch.from_numpy(rng.permutation(len(tu)))
        total = 0.0
        steps = 0
        for s in range(0, len(tu), a.batch):
            idx = order[s:s + a.batch]
            bu, bp = users_t[idx], items_t[idx]
            neg = torch.randint(0, n_items, (a.negatives,))
            u = torch.nn.functional.normalize(U(bu), dim=1)
            p = torch.nn.functional.normalize(I(bp), dim=1)
            n = torch.nn.functional.normalize(I(neg), dim=1)
            pos = (u * p).sum(1) / tau
            logits = u @ n.T / tau
            # Accidental hits: the positive itself, or any training item of the row's user.
            if not a.no_mask:
                keys = (bu[:, None] * n_items + neg[None, :]).reshape(-1)
                where = torch.searchsorted(train_keys, keys).clamp(max=len(train_keys) - 1)
                hit = (train_keys[where] == keys).reshape(len(bu), -1) | (neg[None, :] == bp[:, None])
                logits = logits.masked_fill(hit, -math.inf)
            if a.loss == "softmax":
                loss = (torch.logsumexp(torch.cat([pos[:, None], logits], 1), 1) - pos).mean()
            else:
                loss = (a.bsl_weight * torch.logsumexp(logits, 1) - pos).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item(); steps += 1
        seconds = time.time() - t0
        log.append({"epoch": epoch, "loss": total / steps, "train_seconds": seconds})
        print(f"epoch {epoch}  loss {total / steps:.4f}  train {seconds:.2f}s", flush=True)
    if a.output:
        import json, os
        os.makedirs(a.output, exist_ok=True)
        json.dump({"epochs": log}, open(os.path.join(a.output, "metrics.json"), "w"))
    if a.no_eval:
        return
    with torch.no_grad():
        u = torch.nn.functional.normalize(U.weight, dim=1); v = torch.nn.functional.normalize(I.weight, dim=1)
        train_lists = [[] for _ in range(n_users)]; test_lists = [[] for _ in range(n_users)]
        for x, y in zip(tu, ti): train_lists[x].append(y)
        for x, y in zip(su, si): test_lists[x].append(y)
        rec = ndcg = 0.0; count = 0
        for s in range(0, n_users, 2048):
            rows = list(range(s, min(n_users, s + 2048)))
            scores = u[rows] @ v.T
            for r, uid in enumerate(rows):
                scores[r, train_lists[uid]] = -math.inf
            top = scores.topk(20, dim=1).indices.numpy()
            for r, uid in enumerate(rows):
                t = set(test_lists[uid])
                if not t:
                    continue
                hits = [1.0 if x in t else 0.0 for x in top[r]]
                rec += sum(hits) / len(t)
                dcg = sum(h / math.log2(k + 2) for k, h in enumerate(hits))
                idcg = sum(1 / math.log2(k + 2) for k in range(min(len(t), 20)))
                ndcg += dcg / idcg; count += 1
        print(f"recall@20 {rec / count:.4f}  ndcg@20 {ndcg / count:.4f}")


if __name__ == "__main__":
    main()
