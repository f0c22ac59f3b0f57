UNIT_TESTS += xs_store
UNIT_SRCS_xs_store = $(ORYXD_CORE) tests/unit/test_xs_store.c
UNIT_CFLAGS_xs_store := -Itools/oryxd
UNIT_LIBS_xs_store := -llmdb
