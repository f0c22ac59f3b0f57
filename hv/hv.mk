# The hypervisor image. Every .c and .S under hv/ is part of it.

HV_CC      := $(CC)
HV_INCLUDE := $(shell $(HV_CC) -print-file-name=include)
HV_CFLAGS  := -std=gnu11 -O2 -g $(WARN) -nostdinc -isystem $(HV_INCLUDE) \
    -ffreestanding -fno-builtin -fno-pic -fno-pie -fno-stack-protector \
    -fno-common -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -fno-strict-aliasing -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
    -mno-avx -msoft-float -mcmodel=small \
    -Ihv/include -Iinclude -MMD -MP
HV_ASFLAGS := -D__ASSEMBLY__ -nostdinc -Ihv/include -Iinclude -MMD -MP -fno-pic -fno-pie
HV_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
    -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

HV_SRCS := $(shell find hv -name '*.c' -o -name '*.S' | sort)
HV_OBJS := $(patsubst %,$(BUILD)/%.o,$(HV_SRCS))
HV_LDS  := hv/arch/x86/oryx.lds

ALL_TARGETS += $(BUILD)/oryx.elf $(BUILD)/oryx.gz

$(BUILD)/hv/%.c.o: hv/%.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $<"
	$(Q)$(HV_CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv/%.S.o: hv/%.S
	@mkdir -p $(@D)
	$(Q)echo "  AS      $<"
	$(Q)$(HV_CC) $(HV_ASFLAGS) -c -o $@ $<

$(BUILD)/oryx.elf: $(HV_OBJS) $(HV_LDS)
	$(Q)echo "  LD      $@"
	$(Q)$(HV_CC) $(HV_LDFLAGS) -Wl,-T,$(HV_LDS) -o $@ $(HV_OBJS)

$(BUILD)/oryx.gz: $(BUILD)/oryx.elf
	$(Q)gzip -9 -n -c $< > $@
