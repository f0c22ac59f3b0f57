UNIT_TESTS += cmdline
UNIT_SRCS_cmdline := hv/lib/parse.c hv/common/cmdline.c tests/unit/test_cmdline.c
