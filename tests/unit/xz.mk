# .xz decoder: host tests against files made by the `xz` command.
UNIT_TESTS += xz
UNIT_SRCS_xz := hv/lib/xz.c tests/unit/test_xz.c
# The decoder at -O2 keeps the real-kernel case within a few seconds.
UNIT_CFLAGS_xz := -O2
