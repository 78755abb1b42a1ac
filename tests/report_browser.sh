#!/bin/sh
# Render a quick report's index.html in headless Chromium: every figure must
# load (the page marks data-figures="ok:N" on <body> when all N images have
# decoded, "broken:K" otherwise; N must be the page's image count, one per
# figure) and every link must point at a file of the report. Prints the
# plain closing line "N passed, N failed".
set -u
smx=${1:-build/smx}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
pass=0
check() { # name, status
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi
}

index=$("$smx" report --quick --out "$work/reports" 2>"$work/report.log")
check "smx report --quick" $?
[ -f "$index" ]
check "index.html exists ($index)" $?
dir=$(dirname "$index")

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "FAIL: chromium not found (scripts/install-deps.sh --browser)" >&2
	fail=$((fail + 1))
else
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$work/profile" --virtual-time-budget=10000 \
		--dump-dom "file://$index" >"$work/dom.html" 2>"$work/chromium.log"
	# Every figure, not any one: the page counts the images that decoded,
	# and that count must be every <img> the page has, one per <figure>.
	nimg=$(grep -o '<img ' "$index" | wc -l)
	nfig=$(grep -o '<figure>' "$index" | wc -l)
	[ "$nimg" -gt 0 ] && [ "$nimg" -eq "$nfig" ]
	check "one image per figure ($nimg images, $nfig figures)" $?
	grep -q "data-figures=\"ok:$nimg\"" "$work/dom.html"
	check "all $nimg figures load in Chromium ($(grep -o 'data-figures="[^"]*"' "$work/dom.html"))" $?
fi

links=0
for href in $(grep -o 'href="[^"]*"' "$index" | sed 's/^href="//; s/"$//'); do
	links=$((links + 1))
	case "$href" in
	http:* | https:* | //*) check "no network link: $href" 1 ;;
	*) [ -s "$dir/$href" ]; check "link $href resolves" $? ;;
	esac
done
[ "$links" -gt 0 ]
check "the page has links" $?
for src in $(grep -o 'src="[^"]*"' "$index" | sed 's/^src="//; s/"$//'); do
	[ -s "$dir/$src" ]
	check "figure $src exists" $?
done
[ -s "$dir/report.md" ] && [ -s "$dir/env.json" ]
check "report.md and env.json written" $?
[ -L "$work/reports/latest" ]
check "latest points at the report" $?

echo "report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
