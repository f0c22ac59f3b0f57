#!/bin/sh
# unit
# Layering checks: each case reads sources and fails when a file includes
# a header from a layer it must not depend on. No build needed.
#   layers/oryxd      tools/oryxd calls downward only (table below)
#   layers/hv-common  no hypervisor file outside hv/arch/x86/svm/ sees the
#                     vendor: no vendor header, no VMCB/VMCS type
#   layers/self-test  the checker itself catches a planted violation
# To add a case: write a function case_<name> that prints "PASS: layers/<case>" or
# "FAIL: layers/<case> why" lines and returns nonzero on failure, and add
# <name> to CASES at the bottom. check_layers serves any directory with
# a table like ORYXD_LAYERS.
cd "$(dirname "$0")/../.." || exit 2

# oryxd, lowest layer first, one layer per line. A module is NAME.c
# and/or NAME.h in tools/oryxd. See docs/oryxd.md for what each does.
# xs_proto and xs_conn share a line: neither knows the other (the
# connection gets its message handler as a function pointer, the
# protocol sends through xs_session_ops); xs_peer wires the two.
# xs_db keeps the tree's records in LMDB for the store, knowing only the
# tree's types. xs_loop (the poll loop) and xs_evtchn (/dev/xen/evtchn) know no other
# module, nor does xs_gntdev (/dev/xen/gntdev); the transports xs_unix
# and xs_ring sit beside each other; xs_dom0 puts dom0's kernel ring and
# xs_guest the guests' rings on the event channel and the loop, console
# serves their consoles beside them; domains (what is served, and the
# lifecycle) drives both.
ORYXD_LAYERS='
xs_path xs_tree
xs_db
xs_store
xs_txn xs_watch
xs_proto xs_conn
xs_peer
xs_loop xs_evtchn xs_gntdev
xs_unix xs_ring
xs_dom0 xs_guest console
domains
oryxd
'

# check_layers NAME DIR TABLE
# Every .c and .h in DIR must belong to a module named in TABLE. A file
# may include ("...", no directory part) its own module's header and the
# headers of modules on lower lines of TABLE; including one from its own
# line or a higher one fails. Other includes (<...>, "dir/x.h", headers
# not in TABLE) are not this check's business. Prints one FAIL line per
# problem, or one PASS line; returns 1 on failure.
check_layers() {
    set -- "$1" "$2" "$3" "$2"/*.c "$2"/*.h
    LAYERS_NAME=$1 LAYERS_DIR=$2 LAYERS_TABLE=$3
    export LAYERS_NAME LAYERS_DIR LAYERS_TABLE
    shift 3
    awk '
    function base(p) { sub(/^.*\//, "", p); sub(/\.[ch]$/, "", p); return p }
    function fail(why) { print "FAIL: layers/" name " " why; nfail++ }
    BEGIN {
        name = ENVIRON["LAYERS_NAME"]; dir = ENVIRON["LAYERS_DIR"]
        n = split(ENVIRON["LAYERS_TABLE"], line, "\n")
        for (i = 1; i <= n; i++) {
            if (line[i] ~ /^[ \t]*$/)
                continue
            lvl++
            m = split(line[i], mod, /[ \t]+/)
            for (j = 1; j <= m; j++)
                if (mod[j] != "") { layer[mod[j]] = lvl; has[mod[j]] = 0 }
        }
        for (i = 1; i < ARGC; i++) {
            if (ARGV[i] ~ /\*\.[ch]$/) {        # an unmatched glob
                ARGV[i] = ""
                continue
            }
            nfiles++
            b = base(ARGV[i])
            if (b in layer)
                has[b] = 1
            else
                fail(ARGV[i] " is in no layer (add it to the table)")
        }
        for (b in layer)
            if (!has[b])
                fail("the table names " b ", which has no file in " dir)
    }
    /^[ \t]*#[ \t]*include[ \t]*"/ {
        hdr = $0
        sub(/^[^"]*"/, "", hdr)
        sub(/".*$/, "", hdr)
        ninc++
        if (hdr ~ /\//)
            next
        h = base(hdr); me = base(FILENAME)
        if (!(h in layer) || !(me in layer) || h == me)
            next
        if (layer[h] > layer[me])
            fail(FILENAME " includes " hdr " (layer " layer[h] " " h \
                 " above layer " layer[me] " " me ")")
        else if (layer[h] == layer[me])
            fail(FILENAME " includes " hdr " (" h " beside " me \
                 ", both layer " layer[h] ")")
    }
    END {
        if (nfiles == 0)
            fail("no sources in " dir)
        if (nfail)
            exit 1
        print "PASS: layers/" name " (" nfiles " files, " ninc " includes)"
    }' "$@"
}

case_oryxd() {
    check_layers oryxd tools/oryxd "$ORYXD_LAYERS"
}

# Common code (hv/common/, and the generic headers in hv/include/) never
# sees the hardware-virtualisation vendor: a vendor header (svm/, vmx/,
# vmcb, vmcs) or a VMCB/VMCS type there fails, and no file outside
# hv/arch/x86/svm/ may include its private vmcb.h. asm/svm-types.h is the
# one generic header allowed to name struct vmcb, as an incomplete type
# (the vendor union in struct arch_vcpu needs it).
case_hv_common() {
    bad=""
    for f in $(find hv/common hv/include -name '*.[ch]' | sort); do
        [ "$f" = hv/include/asm/svm-types.h ] && continue
        hit=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*(svm/|vmx/|vmcb|vmcs)' \
              "$f" | head -n 1)
        [ -n "$hit" ] && bad="$bad $f:${hit%%:*} includes a vendor header;"
        hit=$(grep -nwiE 'struct (vmcb|vmcs)|vmcb_[a-z_]+|vmcs_[a-z_]+' "$f" | head -n 1)
        [ -n "$hit" ] && bad="$bad $f:${hit%%:*} names a VMCB/VMCS type;"
    done
    for f in $(find hv -name '*.[chS]' ! -path 'hv/arch/x86/svm/*' | sort); do
        hit=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*vmcb\.h' "$f" | head -n 1)
        [ -n "$hit" ] && bad="$bad $f:${hit%%:*} includes the private VMCB header;"
    done
    if [ -n "$bad" ]; then
        echo "FAIL: layers/hv-common$bad"
        return 1
    fi
    echo "PASS: layers/hv-common (no vendor header or VMCB/VMCS type outside hv/arch/x86/svm/)"
}

# The checker must catch an upward include, a sideways one and an
# unplaced file, and allow a downward one.
case_self_test() {
    t=$(mktemp -d) || return 1
    printf '#include "low.h"\n#include "high.h"\n' >"$t/mid.c"
    printf '#include "side.h"\n' >"$t/low.h"
    : >"$t/side.h"
    : >"$t/high.h"
    : >"$t/stray.c"
    got=$(check_layers self-test "$t" 'low side
mid
high' | sed "s|$t/||g")
    rm -rf "$t"
    want='FAIL: layers/self-test stray.c is in no layer (add it to the table)
FAIL: layers/self-test mid.c includes high.h (layer 3 high above layer 2 mid)
FAIL: layers/self-test low.h includes side.h (side beside low, both layer 1)'
    if [ "$got" = "$want" ]; then
        echo "PASS: layers/self-test"
    else
        echo "FAIL: layers/self-test the checker printed: $(echo "$got" | tr '\n' '|')"
        return 1
    fi
}

CASES="oryxd hv_common self_test"
status=0
for c in $CASES; do
    "case_$c" || status=1
done
exit $status
