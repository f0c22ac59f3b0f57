# HPET (hv/arch/x86/hvm/hpet.c) over stubbed timers and IOAPIC: what a
# hostile guest's register writes do to the host timer arithmetic.
UNIT_TESTS += hpet
UNIT_SRCS_hpet := hv/arch/x86/hvm/hpet.c tests/unit/test_hpet.c
$(BUILD)/unit/hpet: hv/include/asm/hpet.h
