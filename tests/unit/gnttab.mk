UNIT_TESTS += gnttab
UNIT_SRCS_gnttab := hv/common/grant_table.c hv/common/domain_ram.c hv/common/domain_lookup.c hv/common/foreign_map.c hv/common/xmalloc.c hv/common/page_alloc.c \
    hv/arch/x86/npt.c \
    tests/unit/test_gnttab.c
UNIT_LIBS_gnttab := -lpthread
