# .xz decoder: host tests against files made by the `xz` command.
UNIT_TESTS += xz
UNIT_SRCS_xz := hv/lib/xz.c tests/unit/test_xz.c
# The decoder at -O2 keeps the real-kernel case within a few seconds.
UNIT_CFLAGS_xz := -O2

# Decode speed on the real kernel with the hypervisor's flags and string
# routines (not a test: `make xz-bench`, needs scripts/fetch-fixtures.sh).
XZ_BENCH_CFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fno-builtin -fno-pic -fno-pie \
    -fno-stack-protector -fno-strict-aliasing -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
    -mno-avx -msoft-float -DORYX_HOST_TEST -Ihv/include -Iinclude

$(BUILD)/bench/xz-speed: hv/lib/xz.c hv/common/bzimage.c hv/lib/string.c tests/unit/bench_xz.c
	@mkdir -p $(BUILD)/bench/xz-obj
	$(Q)echo "  HOSTCC  $@"
	$(Q)for s in hv/lib/xz.c hv/common/bzimage.c hv/lib/string.c; do \
	    $(HOSTCC) $(XZ_BENCH_CFLAGS) -c -o $(BUILD)/bench/xz-obj/$$(basename $$s .c).o $$s || exit 1; done
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Ihv/include -Iinclude -DORYX_HOST_TEST -no-pie -o $@ \
	    tests/unit/bench_xz.c $(BUILD)/bench/xz-obj/*.o

.PHONY: xz-bench
xz-bench: $(BUILD)/bench/xz-speed
	$(Q)$(BUILD)/bench/xz-speed cache/vmlinuz 5
