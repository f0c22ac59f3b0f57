# Ballooning (hv/common/balloon.c) over the real domain RAM, allocator and
# nested page tables; the domain hooks are stubbed in the test.
UNIT_TESTS += balloon
UNIT_SRCS_balloon := hv/common/balloon.c hv/common/domain_ram.c hv/common/domain_lookup.c hv/common/xmalloc.c \
    hv/common/page_alloc.c hv/arch/x86/npt.c tests/unit/test_balloon.c
