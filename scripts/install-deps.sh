#!/bin/sh
# Install what smx needs on Debian or Ubuntu (apt-get; sudo when not root).
#   scripts/install-deps.sh             core: compiler, MPFR, GMP, Criterion, gnuplot
#   scripts/install-deps.sh --peers     also XNNPACK and oneDNN (comparison rows)
#   scripts/install-deps.sh --browser   also Chromium (the report's browser test)
#   scripts/install-deps.sh --fuzz      also clang and its fuzzer runtime (make fuzz)
#   scripts/install-deps.sh --shards    also GNU parallel (scripts/shards-parallel.sh)
#   scripts/install-deps.sh --torch     also PyTorch for Debian's python3 (scripts/torch_dump.py,
#                                       the report's PyTorch rows; ~170 MB download, ~750 MB)
#   scripts/install-deps.sh --oracle    also mpmath for Debian's python3 (make oracle: the
#                                       reference in bf16/f16/fp8 against a second oracle)
#   scripts/install-deps.sh --check     exit 0 when the core is present, 1 if not
# Elsewhere it names the packages to install and exits 1.
set -eu

CORE="build-essential pkg-config libmpfr-dev libgmp-dev libcriterion-dev gnuplot-nox"
PEERS="libxnnpack-dev libpthreadpool-dev libdnnl-dev"
BROWSER="chromium"
FUZZ="clang libclang-rt-dev"
SHARDS="parallel"
TORCH="python3-torch"
ORACLE="python3 python3-mpmath"

have_core() {
	pkg-config --exists mpfr criterion 2>/dev/null && command -v gnuplot >/dev/null 2>&1
}

pkgs=$CORE
extra=0
for arg in "$@"; do
	case "$arg" in
	--check)
		have_core && exit 0
		exit 1
		;;
	--peers) pkgs="$pkgs $PEERS" extra=1 ;;
	--browser) pkgs="$pkgs $BROWSER" extra=1 ;;
	--fuzz) pkgs="$pkgs $FUZZ" extra=1 ;;
	--shards) pkgs="$pkgs $SHARDS" extra=1 ;;
	--torch) pkgs="$pkgs $TORCH" extra=1 ;;
	--oracle) pkgs="$pkgs $ORACLE" extra=1 ;;
	*)
		echo "install-deps.sh: unknown option '$arg' (--peers, --browser, --fuzz, --shards, --torch, --oracle, --check)" >&2
		exit 2
		;;
	esac
done

if [ "$extra" -eq 0 ] && have_core; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "smx: install MPFR, GMP, Criterion and gnuplot with your package manager" \
		"(Fedora: dnf install mpfr-devel gmp-devel criterion-devel gnuplot;" \
		"macOS: brew install mpfr gmp criterion gnuplot), then run make again" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO=sudo
else
	echo "smx: missing packages: run 'sudo apt-get update && sudo apt-get install -y $pkgs'" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
