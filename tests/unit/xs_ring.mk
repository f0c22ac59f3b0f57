# oryxd's ring transport over a fake shared page (tests/unit/test_xs_ring.c).
UNIT_TESTS += xs_ring
UNIT_SRCS_xs_ring = $(ORYXD_CORE) tools/oryxd/xs_ring.c tests/unit/test_xs_ring.c
UNIT_CFLAGS_xs_ring := -Itools/oryxd
UNIT_LIBS_xs_ring := -llmdb
