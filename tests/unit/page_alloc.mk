UNIT_TESTS += page_alloc
UNIT_SRCS_page_alloc := hv/common/page_alloc.c tests/unit/test_page_alloc.c
UNIT_LIBS_page_alloc := -lpthread
