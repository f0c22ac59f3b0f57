UNIT_TESTS += xmalloc
UNIT_SRCS_xmalloc := hv/common/xmalloc.c hv/common/page_alloc.c tests/unit/test_xmalloc.c
UNIT_LIBS_xmalloc := -lpthread
