"""PyTorch peer of `npm run bench`: one case, timed the way bench/harness.ts `measure` times it.

Usage (bench/engines.ts runs it): /usr/bin/python3 torch_cases.py CASE --threads N --timing JSON [--quick]
Prints one JSON line: {"timing": {...}, "peakRssMB": ...} or {"error": "..."}.
The models are the bench's (same sizes, batch sizes and batches per fit call); the data are random
(torch.manual_seed), not the bench's seeded generator: the values do not change the work.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("case")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--timing", required=True)
p.add_argument("--quick", action="store_true")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
OPTS = json.loads(args.timing)
QUICK = args.quick


def now_ms():
    return time.perf_counter() * 1e3


def measure(call, units=1, warmup=None):
    """Warm up, then reps of >= minRepMs each, until `reps` or the budget (after minReps)."""
    t0 = now_ms()
    (warmup or call)()
    first = now_ms() - t0
    warm_calls = 0
    if warmup is None:
        warm_calls = 1 if first > 1000 else max(1, OPTS["warmup"])
        for _ in range(1, warm_calls):
            call()
    per_call, calls = [], []
    start = now_ms()
    while len(per_call) < OPTS["reps"] and not (
        len(per_call) >= OPTS["minReps"] and now_ms() - start >= OPTS["budgetMs"]
    ):
        n, t0 = 0, now_ms()
        while True:
            call()
            n += 1
            elapsed = now_ms() - t0
            if elapsed >= OPTS["minRepMs"]:
                break
        per_call.append(elapsed / n / units)
        calls.append(n)
    return {
        "medianMs": statistics.median(per_call),
        "minMs": min(per_call),
        "maxMs": max(per_call),
        "reps": len(per_call),
        "calls": calls,
        "warmupCalls": warm_calls,
        "firstCallMs": first,
        "budgetLimited": len(per_call) < OPTS["reps"],
        "tensorGrowth": 0,
    }


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def case_matmul():
    a, b = torch.rand(1024, 1024) * 2 - 1, torch.rand(1024, 1024) * 2 - 1
    return measure(lambda: torch.mm(a, b).numpy())


def case_mlp():
    """The mlp case's step: softmax cross-entropy, autograd, then Adam written with ops (eps 1e-7)."""
    x = torch.rand(128, 784)
    y = F.one_hot(torch.randint(0, 10, (128,)), 10).float()
    sizes = [784, 512, 512, 10]
    params = []
    for i in range(3):
        w = torch.randn(sizes[i], sizes[i + 1]) * (2 / (sizes[i] + sizes[i + 1])) ** 0.5
        params += [w.requires_grad_(), torch.zeros(sizes[i + 1], requires_grad=True)]
    m = [torch.zeros_like(q) for q in params]
    v = [torch.zeros_like(q) for q in params]
    t = [0]

    def step():
        t[0] += 1
        c1, c2 = 1 - 0.9 ** t[0], 1 - 0.999 ** t[0]
        w1, b1, w2, b2, w3, b3 = params
        h = torch.relu(x @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        loss = -(y * torch.log_softmax(h @ w3 + b3, -1)).sum(-1).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for q, g, mi, vi in zip(params, grads, m, v):
                mi.mul_(0.9).add_(g, alpha=0.1)
                vi.mul_(0.999).addcmul_(g, g, value=0.001)
                q.add_((mi / c1) / ((vi / c2).sqrt() + 1e-7), alpha=-1e-3)
        loss.item()

    return measure(step)


def case_infer(batch):
    model = mlp().eval()
    x = torch.rand(batch, 784)

    def call():
        with torch.no_grad():
            torch.softmax(model(x), -1).numpy()

    return measure(call)


class DateModel(nn.Module):
    """Embedding 64, encoder LSTM 64, decoder LSTM 64 from its final state, dot attention, dense tanh + dense."""

    def __init__(self):
        super().__init__()
        self.enc_emb, self.dec_emb = nn.Embedding(35, 64), nn.Embedding(13, 64)
        self.enc, self.dec = nn.LSTM(64, 64, batch_first=True), nn.LSTM(64, 64, batch_first=True)
        self.hidden, self.out = nn.Linear(128, 64), nn.Linear(64, 13)

    def forward(self, enc_in, dec_in):
        enc, state = self.enc(self.enc_emb(enc_in))
        dec, _ = self.dec(self.dec_emb(dec_in), state)
        attn = torch.softmax(torch.bmm(dec, enc.transpose(1, 2)), -1)
        joined = torch.cat([torch.bmm(attn, enc), dec], -1)
        return self.out(torch.tanh(self.hidden(joined))).transpose(1, 2)  # [batch, classes, time] for the loss


class Block(nn.Module):
    """Post-norm transformer block on 32x64, 4 heads, GELU MLP 128, mean over time, 10 classes."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(64, 4, batch_first=True)
        self.n1, self.n2 = nn.LayerNorm(64, eps=1e-3), nn.LayerNorm(64, eps=1e-3)
        self.f1, self.f2, self.head = nn.Linear(64, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        a, _ = self.attn(x, x, x, need_weights=False)
        h = self.n1(x + a)
        h = self.n2(h + self.f2(F.gelu(self.f1(h))))
        return self.head(h.mean(1))


def fit(model, inputs, labels, batch, batches, warm_batches):
    """One epoch of Adam 1e-3 over `batches` batches in order (shuffle off), as the bench's fit cases."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()

    def epoch(n):
        for i in range(n):
            s = slice(i * batch, (i + 1) * batch)
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(*[x[s] for x in inputs]), labels[s])
            loss.backward()
            opt.step()
        loss.item()

    return measure(lambda: epoch(batches), units=batches, warmup=lambda: epoch(warm_batches))


# batches per fit call (full, quick) and warm-up batches: the same as bench/cases/fit.ts and seq.ts
FITS = {
    "fit-mlp": ((60, 3), (10, 1)),
    "fit-cnn": ((16, 2), (4, 1)),
    "fit-lstm": ((20, 2), (4, 1)),
    "fit-transformer": ((30, 2), (6, 1)),
}


def case_fit(name):
    batches, warm = FITS[name][1 if QUICK else 0]
    batch = 64 if name == "fit-transformer" else 128
    n = batches * batch
    if name == "fit-mlp":
        model, inputs, y = mlp(), [torch.rand(n, 784)], torch.randint(0, 10, (n,))
    elif name == "fit-cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
        inputs, y = [torch.rand(n, 1, 28, 28)], torch.randint(0, 10, (n,))
    elif name == "fit-lstm":
        model = DateModel()
        inputs = [torch.randint(1, 35, (n, 12)), torch.randint(1, 13, (n, 10))]
        y = torch.randint(0, 13, (n, 10))
    else:
        model, inputs, y = Block(), [torch.rand(n, 32, 64) * 2 - 1], torch.randint(0, 10, (n,))
    return fit(model, inputs, y, batch, batches, warm)


CASES = {
    "matmul": case_matmul,
    "mlp": case_mlp,
    "infer-mlp-b1": lambda: case_infer(1),
    "infer-mlp-b256": lambda: case_infer(256),
    **{name: (lambda name=name: case_fit(name)) for name in FITS},
}

if args.case not in CASES:
    print(json.dumps({"error": f"no PyTorch version of case '{args.case}'"}))
    sys.exit(0)
try:
    out = {"timing": CASES[args.case]()}
except Exception as e:  # report the failure as the row's error, as the JavaScript engines do
    out = {"error": f"{type(e).__name__}: {e}".split("\n")[0]}
out["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
