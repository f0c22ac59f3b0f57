UNIT_TESTS += npt
UNIT_SRCS_npt := hv/arch/x86/npt.c hv/common/page_alloc.c tests/unit/test_npt.c
