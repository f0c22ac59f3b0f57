# bzImage unpacker and PVH note finder; the real-kernel case needs
# cache/vmlinuz (scripts/fetch-fixtures.sh) and is skipped without it.
UNIT_TESTS += bzimage
UNIT_SRCS_bzimage := hv/common/bzimage.c hv/lib/xz.c tests/unit/test_bzimage.c
UNIT_CFLAGS_bzimage := -O2
