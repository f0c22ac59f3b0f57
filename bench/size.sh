#!/bin/sh
# Size (issue 2): build/oryx.elf's text, data and bss (binutils `size`,
# Berkeley format: data includes initialised read-write data, rodata is
# counted in text), the gzipped image, and lines of code: C and assembly
# under hv/ (cloc's code lines when cloc is installed, else raw `wc -l`
# lines), the public headers in include/public/, and tools/.
# The baseline is Xen itself only in prose (docs/benchmarks.md); nothing
# here is compared in the same run.
BENCH=size
. "$(dirname "$0")/lib.sh"

need_cmd size
need build/oryx.elf

size build/oryx.elf | awk -v b="$BENCH" 'NR == 2 {
    printf "%s: build/oryx.elf text %d, data %d, bss %d bytes (total %d = %.1f KiB)\n", b, $1, $2, $3, $4, $4 / 1024 }'
printf '%s: build/oryx.elf file %d bytes' "$BENCH" "$(wc -c < build/oryx.elf)"
[ -f build/oryx.gz ] && printf ', build/oryx.gz %d bytes' "$(wc -c < build/oryx.gz)"
echo

# lines DIR PATTERN...: "N files, N lines" of the matching files under DIR.
lines() {
    dir=$1
    shift
    [ -d "$dir" ] || { echo "0 files, 0 lines"; return; }
    expr=""
    for p in "$@"; do expr="$expr -o -name $p"; done
    # shellcheck disable=SC2086
    find "$dir" -type f \( ${expr# -o } \) -print0 | xargs -0 -r cat | wc -l |
        awk -v n="$(find "$dir" -type f \( ${expr# -o } \) | wc -l)" '{ printf "%d files, %d lines\n", n, $1 }'
}

echo "$BENCH: hv/ C:        $(lines hv '*.c' '*.h')"
echo "$BENCH: hv/ assembly: $(lines hv '*.S' '*.s')"
echo "$BENCH: include/public/ headers: $(lines include/public '*.h')"
echo "$BENCH: tools/ (all sources): $(lines tools '*.c' '*.h' '*.py' '*.sh' '*.S')"
if command -v cloc >/dev/null 2>&1; then
    echo "$BENCH: cloc (code lines, no blanks or comments):"
    cloc --quiet --csv --hide-rate hv 2>/dev/null | awk -F, -v b="$BENCH" \
        '$2 ~ /^(C|C\/C\+\+ Header|Assembly)$/ { printf "%s:   hv/ %-18s %6d code, %6d comment, %d files\n", b, $2, $5, $4, $1 }'
    cloc --quiet --csv --hide-rate tools 2>/dev/null | awk -F, -v b="$BENCH" \
        '$1 ~ /^[0-9]+$/ && $2 != "SUM" { printf "%s:   tools/ %-15s %6d code, %d files\n", b, $2, $5, $1 }'
else
    echo "$BENCH: (install cloc for code-only counts; these are raw lines)"
fi
