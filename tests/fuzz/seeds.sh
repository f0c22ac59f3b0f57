#!/bin/sh
# seeds.sh NAME DIR GEN: writes target NAME's seed inputs into DIR (made
# afresh). GEN is the built tests/fuzz/gen_seeds. Binary seeds are
# generated here (with xz, gzip and zstd for the compressed ones); small
# committed crash reproducers live in tests/fuzz/regress/NAME/.
set -e
name=$1 dir=$2 gen=$3
rm -rf "$dir"
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

text() {    # a few KiB of repetitive text and a short line
    i=0
    while [ $i -lt 40 ]; do echo "line $i: the quick brown fox jumps over the lazy dog $i"; i=$((i + 1)); done
}

case $name in
elf)
    "$gen" elf "$dir"
    ;;
xz)
    "$gen" elf "$tmp"
    text >"$tmp/text"
    printf 'x' >"$tmp/one"
    : >"$tmp/empty"
    xz -c --check=crc32 --x86 --lzma2=dict=64KiB "$tmp/elf64-m62-v0" >"$dir/elf-bcj-crc32.xz"
    xz -c --check=crc64 --lzma2=dict=128KiB "$tmp/elf32-m3-v0" >"$dir/elf-crc64.xz"
    xz -c --check=none --lzma2=dict=64KiB "$tmp/text" >"$dir/text-none.xz"
    xz -c --check=crc32 --block-size=512 --lzma2=dict=64KiB "$tmp/text" >"$dir/text-blocks.xz"
    xz -c -e -1 "$tmp/one" >"$dir/one.xz"
    xz -c -0 "$tmp/empty" >"$dir/empty.xz"
    cat "$dir/one.xz" "$dir/one.xz" >"$dir/concat.xz"
    { cat "$dir/one.xz"; printf '\0\0\0\0'; } >"$dir/padded.xz"
    xz -c -0 --check=sha256 "$tmp/one" >"$dir/sha256.xz"
    xz -c --lzma2=dict=64KiB,lc=0,lp=2,pb=2 "$tmp/text" >"$dir/text-lp2.xz"
    ;;
bzimage)
    "$gen" elf "$tmp"
    elf=$tmp/elf64-m62-v0
    size=$(wc -c <"$elf")
    cp "$elf" "$dir/plain-elf"
    "$gen" bzimage "$elf" "$size" "$dir/bz-raw-elf"
    xz -c --check=crc32 --x86 --lzma2=dict=1MiB "$elf" >"$tmp/p.xz"
    "$gen" bzimage "$tmp/p.xz" "$size" "$dir/bz-xz"
    # Two streams and padding: the toolstack used to decode only the first.
    head -c 600 "$elf" | xz -c --check=crc32 >"$tmp/p2.xz"
    tail -c +601 "$elf" | xz -c --check=crc64 >>"$tmp/p2.xz"
    printf '\0\0\0\0' >>"$tmp/p2.xz"
    "$gen" bzimage "$tmp/p2.xz" "$size" "$dir/bz-xz-two-streams"
    gzip -c -9 "$elf" >"$tmp/p.gz"
    "$gen" bzimage "$tmp/p.gz" "$size" "$dir/bz-gzip"
    zstd -q -c -19 "$elf" >"$tmp/p.zst"
    "$gen" bzimage "$tmp/p.zst" "$size" "$dir/bz-zstd"
    ;;
insn)
    "$gen" insn "$dir"
    ;;
guest_walk)
    # Header (flags, maxphyaddr, access, pad; CR3; address; extra bits), then
    # the guest's RAM: two pages whose entries (present, user, writable)
    # point at each other, for each paging mode.
    python3 - "$dir" <<'PY'
import struct, sys
d = sys.argv[1]
def seed(name, flags, cr3, gva, ram):
    hdr = struct.pack('<BBBxxxxxQQQ', flags, 48, 7, cr3, gva, 0)
    open(d + '/' + name, 'wb').write(hdr + ram)
ram = bytearray(8192)
for i in range(512):                      # page 0: every entry -> page 1
    struct.pack_into('<Q', ram, i * 8, 0x1000 | 0x67)
for i in range(512):                      # page 1: every entry -> page 0
    struct.pack_into('<Q', ram, 4096 + i * 8, 0x0000 | 0x67)
seed('long4', 1 | 2 | 8 | 32 | 64, 0, 0x00007f1234567abc, bytes(ram))
seed('long4-nx', 1 | 2 | 8 | 32 | 64, 0x1000, 0xffff800012345678, bytes(ram))
seed('long5', 1 | 2 | 8 | 16 | 32, 0, 0x00ff7f1234567abc, bytes(ram))
ram2 = bytearray(8192)
for i in range(1024):                     # 2-level: 4-byte entries
    struct.pack_into('<I', ram2, i * 4, 0x1000 | 0x67)
seed('two-level', 1 | 2, 0, 0x12345678, bytes(ram2))
seed('pse', 1 | 4, 0, 0x12345678, bytes(ram2[:4096]) + bytes([0xe7, 0, 0, 0]) * 1024)
seed('pae', 1 | 8, 0x20, 0x12345678, bytes(ram))
seed('nopaging', 0, 0, 0x12345678, bytes(64))
PY
    ;;
cmdline)
    printf 'oryx.elf loglvl=info maxcpus=2 console=com1' >"$dir/basic"
    printf '/boot/oryx.gz dom0_mem=512M noreboot no-watchdog u8=0xff u16=65535 s32=4G' >"$dir/sizes"
    printf 'console="com1 vga" loglvl='"'"'x y'"'"' u64=18446744073709551615 \\"' >"$dir/quotes"
    printf '1G,max:2G' >"$dir/dom0-mem"
    printf -- '-256M,min:25%%' >"$dir/dom0-mem-minus"
    printf '512M+10%%,min:0x100000B' >"$dir/dom0-mem-mixed"
    printf '2-8' >"$dir/dom0-vcpus"
    printf 'watchdog=off dom0-mem=1T maxcpus=0x40 console=0123456789abcdefghij loglvl' >"$dir/long"
    ;;
domspec)
    printf 'domain name=web mem=256M vcpus=2 cmdline="console=hvc0 quiet"\0initrd\0/boot/vmlinuz domain name=db on_crash=preserve on_reboot=restart on_poweroff=destroy\0/boot/initrd initrd for=db' >"$dir/two"
    printf '/boot/vmlinuz console=hvc0\0/boot/initrd.img\0domain name=a mem=1M\0initrd for=a\0initrd' >"$dir/dom0-and-one"
    printf 'domain name=x mem=64G vcpus=128 cmdline='"'"'a "b"'"'"'\0-\0domain name=x' >"$dir/dup"
    ;;
xlcfg)
    cp tests/xlcfg/good/*.cfg tests/xlcfg/bad/*.cfg "$dir/"
    printf '!phy:/dev/vg0/x,xvda,w' >"$dir/disk"
    printf '!mac=00:16:3e:00:00:01,bridge=xenbr0,rate=1MB/s@20ms' >"$dir/vif"
    printf '!0000:01:00.*@3,permissive=1' >"$dir/pci"
    ;;
oryxd|xs_ring)
    # Framed requests (struct xsd_sockmsg: type, req_id, tx_id, len; LE32):
    # WRITE /a/b=v, READ /a/b, DIRECTORY /, WATCH /a tok, TRANSACTION_START.
    msgs='\013\0\0\0\001\0\0\0\0\0\0\0\006\0\0\0/a/b\0v'
    msgs=$msgs'\002\0\0\0\002\0\0\0\0\0\0\0\005\0\0\0/a/b\0'
    msgs=$msgs'\001\0\0\0\003\0\0\0\0\0\0\0\002\0\0\0/\0'
    msgs=$msgs'\004\0\0\0\004\0\0\0\0\0\0\0\007\0\0\0/a\0tok\0'
    msgs=$msgs'\006\0\0\0\005\0\0\0\0\0\0\0\001\0\0\0\0'
    printf "$msgs" >"$tmp/msgs"
    if [ "$name" = oryxd ]; then
        # Chunks: a selector byte (bit 0: connection, bits 1-7: length - 1).
        { printf '\176'; head -c 64 "$tmp/msgs"; printf '\177'; tail -c +65 "$tmp/msgs"; } >"$dir/dom0"
        { printf '\177'; head -c 64 "$tmp/msgs"; printf '\176'; tail -c +65 "$tmp/msgs"; } >"$dir/domu"
    else
        # Header (domain, wrap), then op 0 (write N bytes) and op 5 (process).
        len=$(wc -c <"$tmp/msgs")
        { printf '\001\000\000\100'; head -c 64 "$tmp/msgs"; printf '\005\000\100';
          tail -c +65 "$tmp/msgs" | head -c 64; printf '\005\003\005'; } >"$dir/domu"
        { printf '\000\001\000\100'; head -c 64 "$tmp/msgs"; printf '\005\003\005'; } >"$dir/dom0-wrap"
        [ "$len" -gt 0 ]
    fi
    ;;
x86_emulate)
    # The state header fuzz_x86_emulate.c reads (mode, CR0/CR4/EFER bits,
    # CPL, RFLAGS, FSW, GPRs, segments, LDTR, IDTR, GDTR, SYSCALL MSRs,
    # RIP, three pages' places and kinds), then code at RIP: a few forms.
    python3 - "$dir" <<'PY'
import struct, sys
d = sys.argv[1]
def seed(name, mode, code, cpl=0):
    h = struct.pack('<BBHBBIH', mode, 0, 0x0600, 1, cpl, 2, 0)
    gpr = [0] * 16
    gpr[3] = 0x2000; gpr[6] = 0x3000; gpr[4] = 0x2800; gpr[1] = 0x1234
    h += struct.pack('<16Q', *gpr)
    for s in range(6):
        h += struct.pack('<HHII', 0x10, 0x93 if s != 1 else 0x9B, 0xFFFFFFFF, 0)
    h += struct.pack('<IHH', 0, 0, 0)           # LDTR
    h += struct.pack('<IH', 0x4000, 0xFFF)      # IDTR
    h += struct.pack('<IH', 0x4000, 0xFF)       # GDTR
    h += struct.pack('<QQQI', 0x0023001000000000, 0x1000, 0x1000, 0x200)
    h += struct.pack('<I', 0x1000)              # RIP
    h += struct.pack('<IB', 2, 3) + struct.pack('<IB', 3, 5) + struct.pack('<IB', 4, 3)
    open(d + '/' + name, 'wb').write(h + code)
forms = {
    'mov-store': b'\x48\x89\x03', 'mov-load': b'\x8b\x0b', 'add-mem': b'\x01\x0b',
    'push': b'\x53', 'pop': b'\x5b', 'cmpxchg8b': b'\x0f\xc7\x0b', 'int3': b'\xcc',
    'int80': b'\xcd\x80', 'syscall': b'\x0f\x05', 'mov-ss': b'\x8e\xd0',
    'movaps': b'\x0f\x28\x03', 'divss': b'\xf3\x0f\x5e\x03', 'mmio': b'\x89\x06',
    'fwait': b'\x9b', 'jmp': b'\xeb\xfe', 'rdmsr': b'\x0f\x32', 'cpuid': b'\x0f\xa2',
}
for n, code in forms.items():
    for mode, m in (('64', 2), ('32', 1), ('16', 0)):
        seed('%s-%s' % (n, m), m, code)
seed('user-int3', 2, b'\xcc', cpl=3)
PY
    ;;
*)
    echo "seeds.sh: unknown target $name" >&2
    exit 2
    ;;
esac
