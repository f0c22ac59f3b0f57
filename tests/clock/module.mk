# tests/clock: hosttsc, the host TSC frequency the calibration test and
# bench/tsc-calibration.sh compare Oryx's figure with.

ALL_TARGETS += $(BUILD)/tests/clock/hosttsc

$(BUILD)/tests/clock/hosttsc: tests/clock/hosttsc.c
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) -std=gnu11 -O2 $(WARN) -o $@ $<
