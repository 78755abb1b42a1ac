#!/usr/bin/env python3
"""Write logits and PyTorch's softmax / log_softmax outputs as .npy files,
for `smx accuracy --input X --outputs NAME=Y` to measure against the
correctly rounded reference.

Needs PyTorch (Debian: apt-get install python3-torch, or
scripts/install-deps.sh --torch), an optional dependency like the peers;
Debian's package serves /usr/bin/python3, so run the script with it when
another python3 comes first on PATH. Runs on the CPU, and on CUDA where present.
Dtypes: f32, f64, and bf16 (inputs rounded to bf16, outputs widened to f32:
measure them with --dtype f32; their error is then in f32 ulps).

  scripts/torch_dump.py --out dump --rows 64 --n 1000
  build/smx accuracy --input dump/x_f32.npy --op softmax --dtype f32 \\
      --outputs torch-cpu=dump/softmax_cpu_f32.npy

The commands to run are printed at the end.
"""
import argparse
import os
import struct
import sys


def write_npy(path, values, shape, code):
    """A C-order .npy (version 1.0) of little-endian float32 ('f') or
    float64 ('d'), written without NumPy."""
    descr = {"f": "<f4", "d": "<f8"}[code]
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    pad = 64 - (10 + len(header) + 1) % 64
    header += " " * pad + "\n"
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), code), *values))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="torch-dump", help="output folder")
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--scale", type=float, default=3.0, help="logits ~ normal(0, scale)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.rows < 1 or args.n < 1:
        sys.exit("torch_dump.py: --rows and --n must be at least 1")
    try:
        import torch
    except ImportError:
        sys.exit(
            "torch_dump.py: PyTorch not found for %s (Debian: apt-get install python3-torch, "
            "then run this script with /usr/bin/python3)" % sys.executable
        )
    os.makedirs(args.out, exist_ok=True)
    gen = torch.Generator().manual_seed(args.seed)
    base = torch.randn(args.rows, args.n, generator=gen, dtype=torch.float64) * args.scale
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    # name: (torch dtype of the computation, dtype of the files, smx --dtype)
    kinds = {
        "f32": (torch.float32, "f", "f32"),
        "f64": (torch.float64, "d", "f64"),
        "bf16": (torch.bfloat16, "f", "f32"),
    }
    commands = []
    for kind, (tdt, code, smx_dt) in kinds.items():
        x = base.to(tdt)
        xfile = os.path.join(args.out, "x_%s.npy" % kind)
        write_npy(xfile, x.double().flatten().tolist(), list(x.shape), code)
        for op, fn in (("softmax", torch.softmax), ("logsoftmax", torch.log_softmax)):
            outs = []
            for dev in devices:
                y = fn(x.to(dev), dim=-1).to("cpu")
                yfile = os.path.join(args.out, "%s_%s_%s.npy" % (op, dev, kind))
                write_npy(yfile, y.double().flatten().tolist(), list(y.shape), code)
                outs.append("--outputs torch-%s-%s=%s" % (dev, kind, yfile))
            commands.append(
                "build/smx accuracy --input %s --op %s --dtype %s %s"
                % (xfile, op, smx_dt, " ".join(outs))
            )
    print("\n".join(commands))


if __name__ == "__main__":
    main()
