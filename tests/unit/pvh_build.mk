UNIT_TESTS += pvh_build
UNIT_SRCS_pvh_build := hv/common/pvh_build.c hv/common/elf_load.c tests/unit/elf_gen.c \
    tests/unit/test_pvh_build.c
