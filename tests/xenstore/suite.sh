#!/bin/sh
# Store tests: oryxd against Debian's xenstore-utils, raw hostile clients
# (hostile.py). Needs xenstore-utils and python3. The protocol's and the
# ring's fuzzers are in tests/fuzz.
cd "$(dirname "$0")/../.." || exit 2
ORYXD=build/tools/oryxd/oryxd
tmp=$(mktemp -d)
sock=$tmp/socket
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

pass() { echo "PASS: xenstore/$1"; }
fail() { echo "FAIL: xenstore/$1 $2"; }
check() { # name expected actual
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2' got '$3'"; fi
}

if [ ! -x "$ORYXD" ]; then
    make -s "$ORYXD" >/dev/null 2>&1 || { fail build "cannot build $ORYXD"; exit 1; }
fi
"$ORYXD" --test-hooks --socket "$sock" 2>"$tmp/oryxd.log" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$sock" ] || { fail start "oryxd did not create $sock"; exit 1; }
export XENSTORED_PATH="$sock"
T="timeout 10"

if ! command -v xenstore-read >/dev/null 2>&1; then
    fail xenstore-utils "not installed (apt-get install xenstore-utils)"
else
    $T xenstore-write /vm/a "hello world" /vm/b 2
    check utils-write-read "hello world" "$($T xenstore-read /vm/a)"
    check utils-read-two "hello world
2" "$($T xenstore-read /vm/a /vm/b)"
    check utils-list "a
b" "$($T xenstore-list /vm)"
    check utils-ls "$(printf 'a = "hello world"\nb = "2"')" "$($T xenstore-ls /vm)"
    $T xenstore-exists /vm/a; check utils-exists 0 $?
    $T xenstore-exists /vm/zz 2>/dev/null; check utils-exists-missing 1 $?
    $T xenstore-read /vm/zz >/dev/null 2>&1; check utils-read-missing 1 $?
    $T xenstore-rm /vm/b
    check utils-rm "a" "$($T xenstore-list /vm)"
    $T xenstore-chmod /vm/a b3 r5
    check utils-chmod-ls-p 'a = "hello world" (b3,r5)' \
        "$($T xenstore-ls -p /vm | sed 's/[ .]*(/ (/')"
    $T xenstore-chmod -r /vm n0
    check utils-chmod-recursive "(n0)" "$($T xenstore-ls -p /vm | sed 's/.*(/(/')"
    $T xenstore-write rel/x 1
    check utils-relative "1" "$($T xenstore-read /local/domain/0/rel/x)"
    # Watch: initial event, then one per change below the path.
    $T xenstore-watch -n 3 /wv >"$tmp/watch.out" 2>&1 &
    wpid=$!
    sleep 0.3
    $T xenstore-write /wv/k 1 /wv/k/l 2
    wait $wpid
    check utils-watch "/wv
/wv/k
/wv/k/l" "$(cat "$tmp/watch.out")"
    # Large directory: xenstore-ls must see every child (DIRECTORY_PART path).
    n=0; args=
    while [ $n -lt 600 ]; do args="$args /many/child-with-a-long-name-$n x"; n=$((n + 1)); done
    $T xenstore-write $args
    check utils-large-directory 600 "$($T xenstore-list /many | wc -l)"
fi

if command -v python3 >/dev/null 2>&1; then
    timeout 120 python3 tests/xenstore/hostile.py || true
else
    fail hostile "python3 missing"
fi
kill -0 "$pid" 2>/dev/null && pass daemon-survived || fail daemon-survived "oryxd died"

# The kept store: a daemon killed with SIGKILL, the next one of the same
# boot takes the store back (values and permissions); another boot's
# daemon starts empty; two daemons cannot share the file.
if command -v xenstore-read >/dev/null 2>&1; then
    db=$tmp/store.mdb
    ksock=$tmp/kept
    kpid=
    kept_start() { # boot-id
        ORYX_BOOT_ID=$1 "$ORYXD" --socket "$ksock" --db "$db" 2>>"$tmp/kept.log" &
        kpid=$!
        i=0
        while [ ! -S "$ksock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    }
    kept_start boot-a
    XENSTORED_PATH=$ksock $T xenstore-write /kept/a "survives" /kept/b/c 2
    XENSTORED_PATH=$ksock $T xenstore-chmod /kept/a b3 r5
    XENSTORED_PATH=$ksock $T xenstore-rm /kept/b
    ORYX_BOOT_ID=boot-a timeout 10 "$ORYXD" --socket "$tmp/second" --db "$db" 2>"$tmp/second.log"
    rc=$?
    check kept-one-daemon "1 1" "$rc $(grep -c 'another oryxd' "$tmp/second.log")"
    kill -9 "$kpid"; wait "$kpid" 2>/dev/null
    rm -f "$ksock"
    kept_start boot-a
    check kept-after-sigkill 'a = "survives" (b3,r5)' \
        "$(XENSTORED_PATH=$ksock $T xenstore-ls -p /kept 2>&1 | sed 's/[ .]*(/ (/')"
    kill "$kpid"; wait "$kpid" 2>/dev/null
    rm -f "$ksock"
    kept_start boot-b
    XENSTORED_PATH=$ksock $T xenstore-read /kept/a >/dev/null 2>&1
    check kept-other-boot-empty 1 $?
    kill "$kpid"; wait "$kpid" 2>/dev/null
fi
