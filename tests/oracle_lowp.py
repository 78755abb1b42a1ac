#!/usr/bin/env python3
"""An oracle for `smx ref` in the reduced formats, independent of MPFR.

It draws rows of bf16 or f16 values (subnormal, huge, ordinary, scaled up so
that rows underflow, some -inf), computes softmax, log-softmax and lse with
mpmath at 300 bits, rounds them to the output format with its own
round-to-nearest-even (bf16, f16, and the OCP 8-bit e4m3, saturating at 448,
and e5m2), and requires `smx ref` to print the same values bit for bit.

Log-softmax and lse are exact to the last bit only if the tiny part of
log(sum) is kept: log(1 + t) is carried as its own number, and when it is
below the working precision of x_i - max it decides the direction of a tie
by itself.

Usage: oracle_lowp.py SMX [SEED]. Exit 0 when every row agrees, 1 when one
does not (it prints the row), 2 when smx fails. Before the comparison, the
oracle checks that it would see a one-ulp change in one output.
"""
import random
import subprocess
import sys

import mpmath

mpmath.mp.prec = 300
ONE = mpmath.mpf(1)
TWO = mpmath.mpf(2)

# precision p (significand bits with the implicit one), emin, emax, saturates
FORMATS = {
    "bf16": (8, -126, 127, False),
    "f16": (11, -14, 15, False),
    "e4m3": (4, -6, 8, True),
    "e5m2": (3, -14, 15, False),
}


def max_finite(fmt):
    p, _, emax, sat = FORMATS[fmt]
    if fmt == "e4m3":
        return mpmath.mpf(448)  # 1.75 * 2^8: the all-ones code is NaN
    return (TWO - TWO ** (1 - p)) * TWO**emax


def round_to(x, fmt, below=False):
    """x rounded to nearest even in fmt, as '-0', 'inf', '-inf' or an mpf.
    below: the exact value is x minus a positive amount smaller than x's
    precision can hold (ties then go down, exact values just below)."""
    p, emin, emax, sat = FORMATS[fmt]
    if x == 0:
        return "-0" if below else mpmath.mpf(0)
    sign = -1 if x < 0 else 1
    a = abs(x)
    e = int(mpmath.floor(mpmath.log(a, 2)))
    while TWO**e > a:
        e -= 1
    while TWO ** (e + 1) <= a:
        e += 1
    q = TWO ** (max(e, emin) - (p - 1))
    m = a / q
    k = mpmath.floor(m)
    r = m - k
    # Below x means a larger magnitude for x < 0, a smaller one for x > 0.
    if below and sign > 0 and r == 0:
        k, r = k - 1, ONE
    if below:
        up = sign < 0
    else:
        up = int(k) % 2 == 1
    if r > 0.5 or (r == 0.5 and up):
        k += 1
    v = k * q
    mf = max_finite(fmt)
    if v > mf:
        if sat:
            v = mf
        elif a >= mf + TWO ** (emax - (p - 1)) / 2:
            return "inf" if sign > 0 else "-inf"
        else:
            v = mf
    if v == 0:
        return "-0" if sign < 0 else mpmath.mpf(0)
    return sign * v


def text(v):
    if isinstance(v, str):
        return v
    return float(v).hex()


def canonical(t):
    """A printed value in one spelling: the float's hex, or inf/-inf/-0."""
    t = t.strip()
    if t in ("inf", "-inf", "nan"):
        return t
    f = float.fromhex(t)
    if f == 0:
        return "-0" if t.startswith("-") else "0x0.0p+0"
    return f.hex()


def draw(fmt, rng):
    p, emin, emax, _ = FORMATS[fmt]
    u = rng.random()
    if u < 0.04:
        return -mpmath.inf
    if u < 0.12:
        e = rng.randint(emin - p + 1, emin)
    elif u < 0.2:
        e = rng.randint(emax - 3, emax)
    else:
        e = rng.randint(-4, 6)
    v = round_to(mpmath.mpf(rng.randint(2 ** (p - 1), 2**p - 1)) * TWO ** (e - (p - 1)), fmt)
    v = mpmath.mpf(0) if isinstance(v, str) else v  # below the subnormals
    return -v if rng.random() < 0.5 else v


def exact(op, x):
    """The exact results as (value, below) pairs; None for an undefined row
    (softmax and log-softmax of a row of -inf; its lse is log 0 = -inf)."""
    finite = [v for v in x if v != -mpmath.inf]
    if not finite:
        return [(-mpmath.inf, False)] if op == "lse" else None
    m = max(finite)
    i = x.index(m)
    # t = sum over the others of exp(x_j - m), kept apart from the 1 of the max
    t = mpmath.fsum(mpmath.exp(v - m) for j, v in enumerate(x) if j != i and v != -mpmath.inf)
    lg = mpmath.log1p(t)
    if op == "softmax":
        return [(mpmath.exp(v - m) / (1 + t) if v != -mpmath.inf else mpmath.mpf(0), False) for v in x]
    if op == "lse":
        return [(m + lg, False)]
    out = []
    for v in x:
        if v == -mpmath.inf:
            out.append((-mpmath.inf, False))
        elif lg > 0 and (v - m) - lg == (v - m):
            out.append((v - m, True))
        else:
            out.append(((v - m) - lg, False))
    return out


def expected(op, x, fmt):
    ex = exact(op, x)
    if ex is None:
        return None
    return [text("-inf" if v == -mpmath.inf else round_to(v, fmt, below)) for v, below in ex]


def run(smx, fmt, op, out_fmt, seed, rows):
    rng = random.Random(seed)
    xs = []
    for _ in range(rows):
        n = rng.choice([1, 2, 3, 7, 16, 33, 100, 257])
        x = [draw(fmt, rng) for _ in range(n)]
        if rng.random() < 0.3:
            # Scaled up (rounded; kept as drawn where that overflows), so
            # that most of the row underflows against its maximum.
            scale = rng.choice([8, 16, 40, 80])
            scaled = [v if v == -mpmath.inf else round_to(v * scale, fmt) for v in x]
            x = [v if isinstance(w, str) else w for v, w in zip(x, scaled)]
        xs.append(x)
    lines = [" ".join("-inf" if v == -mpmath.inf else text(v) for v in x) for x in xs]
    args = [smx, "ref", "--dtype", fmt, "--op", op]
    if out_fmt != fmt:
        args += ["--out-format", out_fmt]
    res = subprocess.run(args, input="\n".join(lines) + "\n", capture_output=True, text=True)
    if res.returncode != 0:
        print(f"oracle: smx ref failed: {res.stderr.strip()}", file=sys.stderr)
        sys.exit(2)
    got = res.stdout.strip("\n").split("\n")
    if len(got) != len(xs):
        print(f"oracle: smx ref printed {len(got)} rows for {len(xs)}", file=sys.stderr)
        sys.exit(2)
    return xs, got


def agree(op, x, line, fmt):
    want = expected(op, x, fmt)
    if want is None:
        return line.strip() == "undefined"
    got = line.split()
    return len(got) == len(want) and [canonical(t) for t in got] == [canonical(t) for t in want]


def main():
    smx = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    cases = []
    for fmt in ("bf16", "f16"):
        for op in ("softmax", "logsoftmax", "lse"):
            cases.append((fmt, op, fmt, 120))
        for out_fmt in ("e4m3", "e5m2"):
            cases.append((fmt, "softmax", out_fmt, 80))
    bad = 0
    checked_self = False
    for k, (fmt, op, out_fmt, rows) in enumerate(cases):
        xs, got = run(smx, fmt, op, out_fmt, seed * 100 + k, rows)
        if not checked_self:
            # The comparison must see a one-ulp change of one output.
            for x, line in zip(xs, got):
                vals = line.split()
                if line.strip() != "undefined" and vals and vals[0] not in ("inf", "-inf", "-0x0p+0", "0x0p+0"):
                    f = float.fromhex(vals[0])
                    step = TWO ** (mpmath.floor(mpmath.log(abs(f), 2)) - 7)
                    vals[0] = float(mpmath.mpf(f) + step).hex()
                    if agree(op, x, " ".join(vals), out_fmt):
                        print("oracle: a changed output compares equal", file=sys.stderr)
                        sys.exit(1)
                    checked_self = True
                    break
        wrong = [(x, line) for x, line in zip(xs, got) if not agree(op, x, line, out_fmt)]
        for x, line in wrong[:3]:
            print(f"oracle: {fmt} {op} -> {out_fmt}: row {' '.join(text(v) for v in x)}\n"
                  f"  smx:    {line}\n  oracle: {' '.join(expected(op, x, out_fmt) or ['undefined'])}")
        print(f"{fmt:5} {op:11} -> {out_fmt:5}: {len(xs) - len(wrong)} of {len(xs)} rows agree")
        bad += len(wrong)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
