# RTC rules: BCD and 12-hour formats, the calendar, alarm matching,
# periodic rates.
UNIT_TESTS += vrtc_rules
UNIT_SRCS_vrtc_rules := hv/arch/x86/hvm/vrtc_rules.c tests/unit/test_vrtc_rules.c
$(BUILD)/unit/vrtc_rules: hv/include/asm/vrtc_rules.h
