#!/bin/sh
# oxl CLI: exit codes and messages on good and garbage arguments, help and
# bash completion generated from the command table, the control verbs
# against a made-up hypervisor (fake_privcmd.c), the store verbs
# against a private oryxd. The xl.cfg parser's fuzzer is in tests/fuzz.
cd "$(dirname "$0")/../.." || exit 2
oxl=build/tools/oxl
oryxd=build/tools/oryxd/oryxd
tmp=$(mktemp -d)
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
pass() { echo "PASS: oxl/$1"; }
fail() { echo "FAIL: oxl/$1 $2"; }

if [ ! -x "$oxl" ]; then
    fail build "$oxl is not built"
    exit 0
fi

# expect NAME STATUS CMD...: run, check the exit status (and no crash).
expect() {
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        pass "$name"
    else
        fail "$name" "status $rc, want $want: $(head -1 "$tmp/err")"
    fi
}

expect no-args 1 "$oxl"
expect help 0 "$oxl" help
expect dash-help 0 "$oxl" --help
expect unknown-verb 1 "$oxl" frobnicate
grep -q 'not implemented' "$tmp/err" && pass unknown-verb-msg || fail unknown-verb-msg "$(cat "$tmp/err")"
expect unknown-global-option 2 "$oxl" -Z
expect help-unknown-verb 1 "$oxl" help frobnicate
expect config-check-no-file 2 "$oxl" config-check
grep -q "requires at least 1 argument" "$tmp/err" && pass need-args-msg || fail need-args-msg "$(head -1 "$tmp/err")"
expect config-check-bad-option 2 "$oxl" config-check --bogus x.cfg
grep -q "not supported" "$tmp/err" && pass bad-option-msg || fail bad-option-msg "$(head -1 "$tmp/err")"
expect config-check-help 0 "$oxl" config-check --help
grep -q '^Usage: oxl config-check' "$tmp/out" && pass verb-help-usage || fail verb-help-usage "no usage line"
# create -n: the configuration as it would be built, overrides applied
# without a warning (replacing a setting is their point), PVH by default;
# another type refused with a one-line reason.
printf 'name = "a"\nkernel = "/k"\nmemory = 64\nname = "dup"\n' > "$tmp/n.cfg"
expect create-n 0 "$oxl" create -n "$tmp/n.cfg" 'name="b"' memory=96
grep -q '^name = "b"' "$tmp/out" && grep -q '^memory = 96' "$tmp/out" &&
    grep -q '^type = "pvh"' "$tmp/out" && pass create-n-overrides || fail create-n-overrides "$(head -3 "$tmp/out")"
[ "$(grep -c 'already set' "$tmp/err")" = 1 ] && grep -q 'n.cfg:4:1: warning' "$tmp/err" &&
    pass create-n-warns-file-only || fail create-n-warns-file-only "$(cat "$tmp/err")"
expect create-n-hvm 1 "$oxl" create -n "$tmp/n.cfg" 'type="hvm"'
grep -q 'Oryx builds PVH guests only' "$tmp/err" && pass create-n-hvm-msg || fail create-n-hvm-msg "$(head -1 "$tmp/err")"
# The domain verbs need the hypervisor (dom0 under Oryx: tests/dom0 runs
# them there); on the host they fail with one line naming why.
ORYX_PRIVCMD=/nonexistent/privcmd expect list-no-hypervisor 1 "$oxl" list
grep -q "cannot open the hypervisor interface" "$tmp/err" && pass list-no-hypervisor-msg ||
    fail list-no-hypervisor-msg "$(head -1 "$tmp/err")"
expect destroy-no-args 2 "$oxl" destroy
expect domid-two-args 2 "$oxl" domid a b
expect list-bad-option 2 "$oxl" list --bogus
# The control verbs: usage errors before the hypervisor is asked, then
# the same one-line error outside dom0.
expect pause-no-args 2 "$oxl" pause
expect unpause-two-args 2 "$oxl" unpause a b
expect top-bad-delay 2 "$oxl" top -b -d 0
grep -q "bad delay '0'" "$tmp/err" && pass top-bad-delay-msg || fail top-bad-delay-msg "$(head -1 "$tmp/err")"
expect top-bad-iterations 2 "$oxl" top -b -i x
expect top-delay-missing 2 "$oxl" top -d
expect dmesg-extra-arg 2 "$oxl" dmesg foo
grep -q "does not take the argument 'foo'" "$tmp/err" && pass extra-arg-msg || fail extra-arg-msg "$(head -1 "$tmp/err")"
expect info-two-keys 2 "$oxl" info a b
expect uptime-bad-option 2 "$oxl" uptime -x
expect list-long-help 0 "$oxl" list --long --help
for v in "pause x" "unpause x" "vcpu-list" "info" "dmesg -c" "uptime -s" "top -b -i 1" "list -l" "list -v"; do
    n=$(echo "$v" | tr ' ' '-')
    # shellcheck disable=SC2086
    ORYX_PRIVCMD=/nonexistent/privcmd expect "$n-no-hypervisor" 1 "$oxl" $v
    grep -q "cannot open the hypervisor interface" "$tmp/err" ||
        fail "$n-no-hypervisor-msg" "$(head -1 "$tmp/err")"
done
# The control verbs end to end against a made-up hypervisor behind
# privcmd (tests/oxl/fake_privcmd.c, LD_PRELOADed): names and ids, xl's
# formats, errors naming the problem, list -l's JSON read by python3.
if cc -shared -fPIC -O2 -Wall -Wextra -Werror -Iinclude -o "$tmp/fake.so" \
    tests/oxl/fake_privcmd.c -ldl 2>"$tmp/fake.log"; then
    fake() {
        LD_PRELOAD=$tmp/fake.so ORYX_PRIVCMD=/dev/null ORYX_FAKE_STATE=$tmp/fake.state "$@"
    }
    fexpect() {
        name=$1 want=$2
        shift 2
        expect "$name" "$want" fake "$@"
    }
    fexpect fake-list 0 "$oxl" list
    [ "$(awk '$1 == "web" && $2 == 5 && $3 == 128 && $5 == "---sc-"' "$tmp/out")" ] &&
        pass fake-list-crashed-row || fail fake-list-crashed-row "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-list-v 0 "$oxl" list -v
    [ "$(awk '$1 == "web" && $7 == "00000000-0000-0000-0000-000000000000" && $8 == 3 && $9 == "-"' "$tmp/out")" ] &&
        pass fake-list-v-row || fail fake-list-v-row "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-list-l 0 "$oxl" list -l
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert [x["domid"] for x in d] == [0, 1, 5], d
assert d[2]["state"] == "crashed" and d[2]["shutdown_reason"] == "crash"
assert d[0]["config"]["c_info"]["name"] == "Domain-0"
assert d[1]["config"]["b_info"]["target_memkb"] == 4096' "$tmp/out" 2>"$tmp/py.err" &&
        pass fake-list-l-json || fail fake-list-l-json "$(tail -1 "$tmp/py.err")"
    fexpect fake-pause 0 "$oxl" pause beside
    fexpect fake-pause-again 0 "$oxl" pause 1
    fake "$oxl" list beside | grep -q '^beside .* --p--- ' && pass fake-paused-state ||
        fail fake-paused-state "$(fake "$oxl" list beside | tail -1)"
    fexpect fake-pause-dom0 1 "$oxl" pause Domain-0
    grep -qx "oxl: pausing domain 0 ('Domain-0'): dom0 cannot be paused" "$tmp/err" &&
        pass fake-pause-dom0-msg || fail fake-pause-dom0-msg "$(cat "$tmp/err")"
    fexpect fake-pause-crashed 1 "$oxl" pause web
    grep -q "it has crashed" "$tmp/err" && pass fake-pause-crashed-msg || fail fake-pause-crashed-msg "$(cat "$tmp/err")"
    fexpect fake-pause-unknown 1 "$oxl" pause nosuch
    grep -q "no domain 'nosuch'" "$tmp/err" && pass fake-pause-unknown-msg || fail fake-pause-unknown-msg "$(cat "$tmp/err")"
    fexpect fake-unpause 0 "$oxl" unpause beside
    fexpect fake-vcpu-list 0 "$oxl" vcpu-list
    [ "$(grep -c '^Domain-0 ' "$tmp/out")" = 2 ] && grep -q '^web  *5  *1  *-  *--p  *[0-9.]*  1 / all$' "$tmp/out" &&
        pass fake-vcpu-rows || fail fake-vcpu-rows "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-vcpu-list-one 0 "$oxl" vcpu-list 1
    [ "$(wc -l <"$tmp/out")" = 2 ] && pass fake-vcpu-list-one-rows || fail fake-vcpu-list-one-rows "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-info 0 "$oxl" info
    grep -qx 'nr_cpus                : 2' "$tmp/out" && grep -qx 'xen_version            : 4.17.0-oryx' "$tmp/out" &&
        grep -qx 'total_memory           : 1024' "$tmp/out" && pass fake-info-lines ||
        fail fake-info-lines "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-info-key 0 "$oxl" info xen_commandline
    [ "$(cat "$tmp/out")" = "dom0_mem=512M fake" ] && pass fake-info-key-value || fail fake-info-key-value "$(cat "$tmp/out")"
    fexpect fake-uptime 0 "$oxl" uptime
    grep -qx 'Domain-0                             0 1 day,  1:01:01' "$tmp/out" && pass fake-uptime-dom0 ||
        fail fake-uptime-dom0 "$(tr '\n' '|' <"$tmp/out")"
    fexpect fake-uptime-short 0 "$oxl" uptime -s beside
    grep -q '^ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] up 1 day,  1:01, beside (1)$' "$tmp/out" &&
        pass fake-uptime-short-line || fail fake-uptime-short-line "$(cat "$tmp/out")"
    fexpect fake-dmesg 0 "$oxl" dmesg
    grep -q '^(beside) progress: step 1/10$' "$tmp/out" && [ "$(wc -c <"$tmp/out")" = 101 ] &&
        pass fake-dmesg-text || fail fake-dmesg-text "$(wc -c <"$tmp/out") bytes"
    fexpect fake-dmesg-clear 0 "$oxl" dmesg -c
    fexpect fake-dmesg-after-clear 0 "$oxl" dmesg
    [ ! -s "$tmp/out" ] && pass fake-dmesg-cleared || fail fake-dmesg-cleared "$(head -1 "$tmp/out")"
    fexpect fake-top 0 "$oxl" top -b -i 2 -d 1
    [ "$(grep -c '^ *NAME  *STATE  *CPU(sec)  *CPU(%)' "$tmp/out")" = 2 ] &&
        [ "$(awk '$1 == "Domain-0" && $4 > 0' "$tmp/out" | wc -l)" = 1 ] &&
        grep -q '^       web -s-c-- ' "$tmp/out" && pass fake-top-tables ||
        fail fake-top-tables "$(tr '\n' '|' <"$tmp/out")"
    # Not a terminal: the interactive screen still ends after -i updates.
    fexpect fake-top-screen 0 "$oxl" top -i 1
    grep -q 'domains: 1 running, 1 blocked, 0 paused, 1 crashed' "$tmp/out" && pass fake-top-summary ||
        fail fake-top-summary "$(tr '\n' '|' <"$tmp/out")"
    # rename: a boot-time domain (no store here: the hypervisor's name
    # only, said so), and each refusal with its one line.
    export XENSTORED_PATH="$tmp/no-store"
    fexpect fake-rename 0 "$oxl" rename beside side
    fake "$oxl" list side | grep -q '^side  *1 ' && grep -q "in the hypervisor only" "$tmp/err" &&
        pass fake-rename-listed || fail fake-rename-listed "$(cat "$tmp/err")"
    fexpect fake-rename-taken 1 "$oxl" rename side web
    grep -qx "oxl: renaming domain 1 ('side') to 'web': a domain of that name exists" "$tmp/err" &&
        pass fake-rename-taken-msg || fail fake-rename-taken-msg "$(cat "$tmp/err")"
    n=0
    for bad in 'a b' 9lives "$(printf '%040d' 0 | tr 0 x)" ''; do
        n=$((n + 1))
        fexpect "fake-rename-invalid-$n" 1 "$oxl" rename side "$bad"
        grep -q "invalid name" "$tmp/err" || fail "fake-rename-invalid-$n-msg" "'$bad': $(cat "$tmp/err")"
    done
    fexpect fake-rename-unknown 1 "$oxl" rename nosuch x
    grep -q "no domain 'nosuch'" "$tmp/err" && pass fake-rename-unknown-msg || fail fake-rename-unknown-msg "$(cat "$tmp/err")"
    fexpect fake-rename-dom0 1 "$oxl" rename 0 x
    grep -q "dom0 cannot be renamed" "$tmp/err" && pass fake-rename-dom0-msg || fail fake-rename-dom0-msg "$(cat "$tmp/err")"
    expect fake-rename-usage 2 "$oxl" rename side
    fexpect fake-rename-back 0 "$oxl" rename 1 beside
    unset XENSTORED_PATH
    fexpect fake-dump-core-unknown 1 "$oxl" dump-core nosuch "$tmp/core"
    expect fake-dump-core-usage 2 "$oxl" dump-core nosuch
else
    fail fake-privcmd "does not build: $(head -1 "$tmp/fake.log")"
fi
expect config-check-missing 1 "$oxl" config-check /nonexistent/x.cfg
grep -q 'No such file' "$tmp/err" && pass missing-file-msg || fail missing-file-msg "$(head -1 "$tmp/err")"
expect config-check-two-files 2 "$oxl" config-check a b
expect config-check-directory 1 "$oxl" config-check /
expect config-check-devnull 1 "$oxl" config-check /dev/null
expect config-check-quiet 0 "$oxl" config-check -q tests/xlcfg/good/pv-lvm-pygrub.cfg
[ -s "$tmp/out" ] && fail quiet-silent "printed output" || pass quiet-silent
printf 'name="x"\ntype="pvh"\nkernel="/k"\n' | "$oxl" config-check - >"$tmp/out" 2>&1 && \
    grep -q '^name = "x"' "$tmp/out" && pass stdin || fail stdin "$(head -1 "$tmp/out")"

# Garbage arguments never crash (status < 128 means no signal).
crashes=0
for args in "config-check --" "config-check -" "config-check -q -q" "help --words" \
    "help --words nosuch" "store" "store --socket" "store --bogus" "store frob" \
    "store read" "store write a" "store chmod / zz" "store watch -n 0 /" \
    "config-check $(printf '\001\377')" "$(printf '\377\376')" "-- --" "help --verbs extra" \
    "top -d" "top -i -1" "top -d 99999999999" "top -b -i 1 extra" "pause --" "unpause -- --" \
    "vcpu-list -- x" "uptime -s -s" "info '' ''" "dmesg -c -c" "list -l -v -l x"; do
    # shellcheck disable=SC2086
    ORYX_PRIVCMD=$tmp/none XENSTORED_PATH=$tmp/none "$oxl" $args </dev/null >/dev/null 2>&1
    rc=$?
    if [ $rc -ge 128 ]; then crashes=$((crashes + 1)); echo "  crash: oxl $args ($rc)" >&2; fi
done
head -c 4096 /dev/urandom >"$tmp/random.cfg"
"$oxl" config-check "$tmp/random.cfg" >/dev/null 2>&1
[ $? -ge 128 ] && crashes=$((crashes + 1))
[ $crashes -eq 0 ] && pass garbage-args || fail garbage-args "$crashes crashes"

# Help and completion come from the same table.
verbs=$("$oxl" help --verbs)
ok=1
for v in $verbs; do
    "$oxl" help | grep -q "^ $v " || ok=0
    "$oxl" "$v" --help >/dev/null 2>&1 || ok=0
done
[ $ok -eq 1 ] && [ -n "$verbs" ] && pass help-lists-every-verb || fail help-lists-every-verb "$verbs"
if command -v bash >/dev/null 2>&1; then
    comp() {
        bash -c '. tools/oxl/oxl.bash-completion
                 COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _oxl
                 printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
    }
    [ "$(comp "$oxl" conf)" = config-check ] && pass completion-verb || fail completion-verb "$(comp "$oxl" conf)"
    comp "$oxl" config-check tests/xlcfg/good/pv | grep -q pv-lvm-pygrub.cfg && \
        pass completion-files || fail completion-files "no file names"
    [ "$(comp "$oxl" config-check --q)" = --quiet ] && pass completion-option || fail completion-option "$(comp "$oxl" config-check --q)"
    [ "$(comp "$oxl" top --it)" = --iterations ] && pass completion-top-option || fail completion-top-option "$(comp "$oxl" top --it)"
    "$oxl" help --words pause | grep -qx '@domains' && pass completion-domains-word ||
        fail completion-domains-word "$("$oxl" help --words pause | tr '\n' ' ')"
    # Outside dom0 there are no domain names to offer, and no noise.
    [ -z "$(ORYX_PRIVCMD=/nonexistent comp "$oxl" pause D 2>&1)" ] && pass completion-domains-quiet ||
        fail completion-domains-quiet "$(ORYX_PRIVCMD=/nonexistent comp "$oxl" pause D 2>&1)"
    if echo "$verbs" | grep -qx store; then
        [ "$(comp "$oxl" store wa)" = watch ] && pass completion-subverb || fail completion-subverb "$(comp "$oxl" store wa)"
    fi
fi

# Store verbs against a private oryxd.
if ! echo "$verbs" | grep -qx store; then
    fail store "oxl was built without the store verbs (tools/libxs missing)"
elif ! make -s "$oryxd" >"$tmp/build.log" 2>&1 || [ ! -x "$oryxd" ]; then
    fail store "oryxd does not build: $(tail -1 "$tmp/build.log")"
else
    sock=$tmp/oryxd.sock
    "$oryxd" --socket "$sock" >"$tmp/oryxd.log" 2>&1 &
    daemon=$!
    i=0
    while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    S="$oxl store --socket $sock"
    if [ ! -S "$sock" ]; then
        fail store "oryxd did not start: $(head -1 "$tmp/oryxd.log")"
    else
        expect store-write 0 $S write /local/domain/1/name web01 /local/domain/1/memory 1024
        expect store-read 0 $S read /local/domain/1/name
        [ "$(cat "$tmp/out")" = web01 ] && pass store-read-value || fail store-read-value "$(cat "$tmp/out")"
        expect store-read-missing 1 $S read /no/such/node
        grep -q 'store read /no/such/node' "$tmp/err" && pass store-error-msg || fail store-error-msg "$(cat "$tmp/err")"
        expect store-ls 0 $S ls /local/domain/1
        printf 'memory = "1024"\nname = "web01"\n' >"$tmp/want"
        sort "$tmp/out" | cmp -s - "$tmp/want" && pass store-ls-output || fail store-ls-output "$(tr '\n' '|' <"$tmp/out")"
        expect store-ls-tree 0 $S ls /local
        grep -q '^ 1 = ""' "$tmp/out" && grep -q '^  name = "web01"' "$tmp/out" && \
            pass store-ls-indent || fail store-ls-indent "$(tr '\n' '|' <"$tmp/out")"
        expect store-mkdir 0 $S mkdir /local/domain/2
        expect store-chmod 0 $S chmod /local/domain/2 n2 r0
        expect store-getperms 0 $S getperms /local/domain/2
        [ "$(cat "$tmp/out")" = "n2 r0" ] && pass store-perms-value || fail store-perms-value "$(cat "$tmp/out")"
        expect store-chmod-bad 2 $S chmod /local/domain/2 x9
        # watch: the first event fires at once, then one per change.
        $S watch -n 2 /local/domain/1 >"$tmp/watch" 2>&1 &
        wpid=$!
        sleep 0.3
        $S write /local/domain/1/memory 2048 >/dev/null 2>&1
        i=0
        while kill -0 $wpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        if kill -0 $wpid 2>/dev/null; then
            kill $wpid
            fail store-watch "no event after the write: $(tr '\n' '|' <"$tmp/watch")"
        else
            [ "$(sed -n 2p "$tmp/watch")" = /local/domain/1/memory ] && pass store-watch || \
                fail store-watch "$(tr '\n' '|' <"$tmp/watch")"
        fi
        expect store-rm 0 $S rm /local/domain/1
        expect store-read-removed 1 $S read /local/domain/1/name
        expect store-env-socket 0 env XENSTORED_PATH="$sock" "$oxl" store read /local/domain/2
        expect store-no-daemon 1 "$oxl" store --socket "$tmp/absent" read /x
        grep -q 'cannot connect' "$tmp/err" && pass store-no-daemon-msg || fail store-no-daemon-msg "$(cat "$tmp/err")"
    fi
    kill "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
    daemon=
fi
