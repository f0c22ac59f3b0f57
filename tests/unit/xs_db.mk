# oryxd's kept store: LMDB round trips, a killed daemon, corrupt records
# (tests/unit/test_xs_db.c).
UNIT_TESTS += xs_db
UNIT_SRCS_xs_db = $(ORYXD_CORE) tests/unit/test_xs_db.c
UNIT_CFLAGS_xs_db := -Itools/oryxd
UNIT_LIBS_xs_db := -llmdb
