UNIT_TESTS += domspec
UNIT_SRCS_domspec := hv/lib/parse.c hv/common/domspec.c tests/unit/test_domspec.c
