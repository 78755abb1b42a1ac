#!/usr/bin/env python3
"""Error bounds of the vector exp layers (impls/vec_math.inc), derived, not
sampled: interval arithmetic (mpmath) over the reduced range |r| <= R, cut into
subintervals, with a running bound of every rounding in Horner's rule.

For each layer it prints the error of exp(x) = 2^k P(r) for normal results, in
ulps of the exact result and as a relative error in units of u = 2^-p. The
comments in vec_math.inc and softmax_simd.inc quote these figures.
Usage: scripts/exp_bounds.py   (needs python3-mpmath; about 30 s)"""
from mpmath import mp, iv, mpf, factorial

mp.prec = iv.prec = 200
LN2_HALF = mpf(0.3465735902799727)  # ln(2)/2 rounded: below, R adds slack


def half_ulp(m, p):
    """Half an ulp of the binade of m > 0 in precision p: the largest rounding
    error of any value of magnitude <= m."""
    return mpf(2) ** (int(mp.floor(mp.log(m, 2))) - p)


def rounding(m, p, scaled):
    """The largest rounding error of a value of magnitude <= m; scaled: for
    the same value times any h > 0 (in units of h), where the binade is not
    known: u m."""
    return m * mpf(2) ** -p if scaled else half_ulp(m, p)


def horner(coefs, r, b, p, scaled=False):
    """Bound E on the computed value's error before the last rounding (each
    FMA rounds once), |r| <= b."""
    h = iv.mpf(coefs[0])
    E = mpf(0)
    for cj in coefs[1:-1]:
        h = h * r + cj
        E = b * E + rounding(max(abs(mpf(h.a.a)), abs(mpf(h.b.b))) + E, p, scaled)
    return b * E  # the last FMA multiplies the error by r before it rounds


def analyse(name, coefs, p, R, red, approx, n=512, scaled=False):
    """coefs: highest degree first; red: error of the reduced argument;
    approx(a, b, sign): bound of |e^r - P(r)| over the subinterval; scaled:
    the coefficients each times h > 0 and rounded (u each: u e^(2R) of the
    value, the terms' signs alternating for r < 0), every rounding u of its
    value (relative figure only)."""
    u = mpf(2) ** -p
    out = []
    for sign in (-1, 1):
        wu = wr = mpf(0)
        for i in range(n):
            a, b = R * i / n, R * (i + 1) / n
            r = iv.mpf([a, b]) if sign > 0 else iv.mpf([-b, -a])
            lo, hi = (mp.exp(-b), mp.exp(-a)) if sign < 0 else (mp.exp(a), mp.exp(b))
            A = horner(coefs, r, b, p, scaled) + approx(a, b, sign) + red * hi * (1 + red)
            ulp = 2 * half_ulp(mpf(0.75) if sign < 0 else mpf(1), p)
            last = rounding(hi + A, p, scaled) if scaled else ulp / 2
            if scaled:
                A += u * mp.e ** (2 * R) * hi
            wu = max(wu, A / ulp + mpf(1) / 2)
            wr = max(wr, (A + last) / lo / u)
        out.append((wu, wr))
    wu, wr = max(o[0] for o in out), max(o[1] for o in out)
    if scaled:
        print(f"{name:28s} relative <= {mp.nstr(wr, 4)} u = 2^{mp.nstr(mp.log(wr * u, 2), 4)}")
    else:
        print(f"{name:28s} ulp <= {mp.nstr(wu, 4):7s} relative <= {mp.nstr(wr, 4)} u"
              f" = 2^{mp.nstr(mp.log(wr * u, 2), 4)}")


def analyse_frac(name, hexes, red, n=4096, scaled=False):
    """The 2^f form: P(f) ~ 2^f for f in [0, 1] (coefficients as stored,
    highest degree first), f = y - floor(y) off by red (in units of y: a
    relative error ln 2 red of the result); scaled as in analyse. Every
    coefficient is positive and f >= 0, so the coefficients' roundings in the
    scaled form cost u of the value. Relative error for normal results."""
    c = [mpf(float.fromhex(h)) for h in hexes]
    assert all(x > 0 for x in c)
    deg, p, L = len(c) - 1, 53, mp.log(2)
    u = mpf(2) ** -p
    w = mpf(0)
    for i in range(n):
        a, b = mpf(i) / n, mpf(i + 1) / n
        m, hw = (a + b) / 2, (b - a) / 2
        # |P - 2^f| on [a, b] by Taylor's formula at m, which is exact past
        # degree deg (P's derivatives vanish, 2^f's are L^k 2^f).
        approx = 2 ** b * (L * hw) ** (deg + 1) / factorial(deg + 1) * 2
        for k in range(deg + 1):
            dk = sum(c[deg - j] * factorial(j) / factorial(j - k) * m ** (j - k)
                     for j in range(k, deg + 1)) - L ** k * 2 ** m
            approx += abs(dk) * hw ** k / factorial(k)
        lo, hi = mpf(2) ** a, mpf(2) ** b
        A = horner(c, iv.mpf([a, b]), b, p, scaled) + approx
        A += rounding(hi + A, p, scaled) + (u * hi if scaled else 0)
        w = max(w, A / lo)
    rel = w + (mp.e ** (L * red) - 1) * (1 + w)
    print(f"{name:28s} relative <= {mp.nstr(rel / u, 4)} u = 2^{mp.nstr(mp.log(rel, 2), 4)}")


def taylor(deg, p):
    return [mpf(float(1 / factorial(j))) if p == 53 else mpf(1) / factorial(j)
            for j in range(deg, -1, -1)]


def taylor_approx(coefs):
    deg = len(coefs) - 1

    def f(a, b, sign):
        rem = b ** (deg + 1) / factorial(deg + 1) * (mp.e ** b if sign > 0 else 1)
        return rem + sum(abs(coefs[deg - j] - 1 / factorial(j)) * b ** j for j in range(deg + 1))
    return f


def fitted(hexes):
    """A polynomial as stored (highest degree first) and the bound of
    |e^r - P(r)| over a subinterval: sum D_j r^j plus the Taylor remainder,
    at the midpoint plus a Lipschitz bound over the half width."""
    c = [mpf(float.fromhex(h)) for h in hexes]
    deg = len(c) - 1
    D = [mpf(1) / factorial(j) - (c[deg - j] if j <= deg else 0) for j in range(18)]

    def approx(a, b, sign):
        m, hw = (a + b) / 2 * sign, (b - a) / 2
        val = abs(sum(D[j] * m ** j for j in range(18)))
        lip = sum(j * abs(D[j]) * b ** (j - 1) for j in range(1, 18))
        return val + lip * hw + b ** 18 / factorial(18) * mp.e
    return c, approx


# f32: the Chebyshev fit of vec_math.inc (coefficients as stored).
C32, approx32 = fitted(["0x1.6d4920p-10", "0x1.12438ep-7", "0x1.5554e4p-5", "0x1.555474p-3",
                        "0x1p-1", "0x1p+0", "0x1p+0"])
# exp_short: the degree-7 fit in double.
C7, approx7 = fitted(["0x1.a17df2ec2bce1p-13", "0x1.6da753185ad92p-10", "0x1.1110a6222ea34p-7",
                      "0x1.555464a0f079ep-5", "0x1.5555557e7125ep-3", "0x1.0000005c89e4ep-1",
                      "0x1.fffffffff61fdp-1", "0x1.ffffffffa7135p-1"])

U24, U53 = mpf(2) ** -24, mpf(2) ** -53
# f32 |r| bound: k = round(x * LOG2E) is off from x / ln 2 by at most 1/2 plus
# the rounding of the product and LOG2E's error; the second FMA of the
# reduction rounds r (|r| < 1/2: 2^-26); k (LN2_HI + LN2_LO) misses k ln 2 by
# |k| 2^-53.3. The first FMA is exact (see vec_math.inc).
LN2_SPLIT32 = mpf(2) ** -53.3
analyse("f32 exp (|x| <= 104)", C32, 24, LN2_HALF * mpf(1.01), mpf(2) ** -26 + 152 * LN2_SPLIT32,
        approx32, 4096)
# twopass, |x| <= 1e6: |x LOG2E - x/ln2| <= 0.0193, product rounding 1/16.
analyse("f32 exp_split (|x| <= 1e6)", C32, 24, (mpf(1) / 2 + mpf(0.0193) + mpf(1) / 16) * mp.log(2),
        mpf(2) ** -26 + mpf(1.45e6) * LN2_SPLIT32, approx32, 4096)
C64 = taylor(13, 53)
analyse("f64 exp (|x| <= 746)", C64, 53, LN2_HALF + mpf(2) ** -40, mpf(2) ** -55 + 1100 * mpf(2) ** -108,
        taylor_approx(C64))
# twopass, |x| <= 2^40: product rounding 2^-12, LOG2E error 2^-13 (k units).
analyse("f64 exp_split (|x| <= 2^40)", C64, 53, (mpf(1) / 2 + mpf(2) ** -11) * mp.log(2) + mpf(2) ** -40,
        mpf(2) ** -55 + mpf(2) ** 40.6 * mpf(2) ** -108, taylor_approx(C64))
analyse("f64 exp_short (degree 7)", C7, 53, LN2_HALF + mpf(2) ** -40, mpf(2) ** -55 + 1100 * mpf(2) ** -108,
        approx7, 4096)
# exp_six: the degree-6 fit in double (the accurate f32 kernels).
C6, approx6 = fitted(["0x1.6d7531eae54e7p-10", "0x1.126fa6fd6e894p-7", "0x1.5554ace120b85p-5",
                      "0x1.5554043e289bbp-3", "0x1.00000028794dfp-1", "0x1.000000a1fd6a7p+0",
                      "0x1.0000000000000p+0"])
analyse("f64 exp_six (degree 6)", C6, 53, LN2_HALF + mpf(2) ** -40, mpf(2) ** -55 + 1100 * mpf(2) ** -108,
        approx6, 4096)

# The 2^f form (AVX-512: VREDUCEPD, VSCALEFPD), |x| <= 177 (|y| < 256):
# y = RN(x LOG2E) misses x / ln 2 by 177 |LOG2E - 1/ln 2| + ulp(y)/2; frac
# rounds f by at most 2^-53 (and only where |y| < 1/2, y exact then).
LOG2E = mpf(float.fromhex("0x1.71547652b82fep+0"))
RED_FRAC = 177 * abs(LOG2E - 1 / mp.log(2)) + mpf(2) ** -46 + mpf(2) ** -53
F7 = ["0x1.68b07ca9d85aep-16", "0x1.2cfd663748879p-13", "0x1.5fddc70951f1dp-10",
      "0x1.3b08385328d74p-7", "0x1.c6b2b013e68b6p-5", "0x1.ebfbcf8c90be2p-3",
      "0x1.62e4301f16e66p-1", "0x1.ffffffffa7933p-1"]
F6 = ["0x1.c72118c8c3272p-13", "0x1.461954f4c5a73p-10", "0x1.3d2800c551afdp-7",
      "0x1.c68500697ced6p-5", "0x1.ebfd9ed28f901p-3", "0x1.62e42955d53f7p-1",
      "0x1.00000007f8795p+0"]
analyse_frac("f64 exp_short (2^f, deg 7)", F7, RED_FRAC)
analyse_frac("f64 exp_short (2^f) times h", F7, RED_FRAC, scaled=True)
analyse_frac("f64 exp_six (2^f, deg 6)", F6, RED_FRAC)
analyse("f64 exp_short (e^r) times h", C7, 53, LN2_HALF + mpf(2) ** -40,
        mpf(2) ** -55 + 1100 * mpf(2) ** -108, approx7, 4096, scaled=True)
