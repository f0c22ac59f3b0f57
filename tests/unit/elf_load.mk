UNIT_TESTS += elf_load
UNIT_SRCS_elf_load := hv/common/elf_load.c tests/unit/elf_gen.c tests/unit/test_elf_load.c
