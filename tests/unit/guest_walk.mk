# Guest page-table walker (GVA -> GPA) over a host buffer as guest RAM.
UNIT_TESTS += guest_walk
UNIT_SRCS_guest_walk := hv/arch/x86/guest_walk.c tests/unit/test_guest_walk.c
$(BUILD)/unit/guest_walk: hv/include/asm/guest_walk.h
