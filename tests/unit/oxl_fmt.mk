# oxl's output formats against xl's and xentop's, and list -l's JSON
# (jansson) read back (tests/unit/test_oxl_fmt.c).
UNIT_TESTS += oxl_fmt
UNIT_SRCS_oxl_fmt := tools/oxl/oxl_fmt.c tools/oxl/oxl_json.c tests/unit/test_oxl_fmt.c
UNIT_CFLAGS_oxl_fmt := -D_GNU_SOURCE -Itools/oxl -Itools/libxdev
UNIT_LIBS_oxl_fmt := -ljansson
