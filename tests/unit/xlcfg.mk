# libxlcfg unit tests (host, ASan+UBSan): syntax, spec strings, typed
# options. tests/xlcfg/suite.sh (also "# unit") needs the oxl binary, so
# check-unit builds it too.
UNIT_TESTS += xlcfg
UNIT_SRCS_xlcfg := $(wildcard tools/libxlcfg/*.c) tests/unit/test_xlcfg.c
UNIT_CFLAGS_xlcfg := -D_GNU_SOURCE -Itools/libxlcfg
UNIT_BINS += $(BUILD)/tools/oxl
