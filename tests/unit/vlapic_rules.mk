# Local APIC rules: IA32_APIC_BASE mode moves, destination matching, LVT
# bits, the xAPIC page's register slots.
UNIT_TESTS += vlapic_rules
UNIT_SRCS_vlapic_rules := hv/arch/x86/hvm/vlapic_rules.c tests/unit/test_vlapic_rules.c
$(BUILD)/unit/vlapic_rules: hv/include/asm/vlapic_rules.h
