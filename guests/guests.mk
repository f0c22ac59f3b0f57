# Micro-guests: small freestanding PVH images, one directory per tested
# behaviour (guests/<name>/*.c), all linked with the runtime in guests/lib.
# Each is built for the modes in GUEST_MODES_<name> (default: all):
#   64     long mode, identity-mapped 0-4 GiB (4-level, 2 MiB pages)
#   32     32-bit protected mode, paging off
#   32pse  32-bit paging with 4 MiB pages
#   32pae  PAE paging with 2 MiB pages
# Output: build/guests/<name>-<mode>.elf, loaded at 1 MiB, PVH entry note.

GUEST_MODES := 64 32 32pse 32pae
GUEST_CC    := $(CC)
GUEST_ISYS  := $(shell $(GUEST_CC) -print-file-name=include)
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -nostdinc -isystem $(GUEST_ISYS) \
    -ffreestanding -fno-builtin -fno-pic -fno-pie -fno-stack-protector \
    -fno-common -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
    -fno-strict-aliasing -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
    -mno-avx -msoft-float -Iinclude -Iguests/lib -MMD -MP
GUEST_ASFLAGS := -D__ASSEMBLY__ -Iinclude -Iguests/lib -MMD -MP -fno-pic -fno-pie
GUEST_ARCH_64    := -m64 -mcmodel=small -DGUEST_MODE_64
GUEST_ARCH_32    := -m32 -march=i686 -DGUEST_MODE_32
GUEST_ARCH_32pse := -m32 -march=i686 -DGUEST_MODE_32PSE
GUEST_ARCH_32pae := -m32 -march=i686 -DGUEST_MODE_32PAE
GUEST_LDS     := guests/lib/guest.lds
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
    -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
    -Wl,-T,$(GUEST_LDS)

# Behaviours that do not depend on the CPU mode are built for 64-bit only.
GUEST_MODES_cpu-hog         := 64
GUEST_MODES_progress        := 64
GUEST_MODES_shutdown-reason := 64 32
GUEST_MODES_many-exits      := 64 32
GUEST_MODES_granter         := 64
GUEST_MODES_xs-hostile      := 64
GUEST_MODES_hcfuzz          := 64 32pae 32
GUEST_MODES_evtchn-fifo     := 64 32pae 32

GUEST_LIB_SRCS := $(sort $(wildcard guests/lib/*.c guests/lib/*.S))
GUEST_NAMES    := $(sort $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard guests/*/*.c))))))

guest_modes = $(or $(GUEST_MODES_$(1)),$(GUEST_MODES))
guest_objs  = $(patsubst %,$(BUILD)/guests/$(2)/%.o,$(notdir $(1)))

# $(1) = mode
define guest_lib_rule
$(BUILD)/guests/lib-$(1)/%.c.o: guests/lib/%.c
	@mkdir -p $$(@D)
	$(Q)echo "  CC      $$@"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ARCH_$(1)) -c -o $$@ $$<
$(BUILD)/guests/lib-$(1)/%.S.o: guests/lib/%.S
	@mkdir -p $$(@D)
	$(Q)echo "  AS      $$@"
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) $(GUEST_ARCH_$(1)) -c -o $$@ $$<
GUEST_LIB_OBJS_$(1) := $$(call guest_objs,$(GUEST_LIB_SRCS),lib-$(1))
endef

# $(1) = guest name, $(2) = mode
define guest_rule
$(BUILD)/guests/$(1)-$(2)/%.c.o: guests/$(1)/%.c
	@mkdir -p $$(@D)
	$(Q)echo "  CC      $$@"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_ARCH_$(2)) -c -o $$@ $$<
$(BUILD)/guests/$(1)-$(2)/%.S.o: guests/$(1)/%.S
	@mkdir -p $$(@D)
	$(Q)echo "  AS      $$@"
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) $(GUEST_ARCH_$(2)) -c -o $$@ $$<
$(BUILD)/guests/$(1)-$(2).elf: $$(call guest_objs,$$(wildcard guests/$(1)/*.c guests/$(1)/*.S),$(1)-$(2)) $$(GUEST_LIB_OBJS_$(2)) $(GUEST_LDS)
	$(Q)echo "  LD      $$@"
	$(Q)$(GUEST_CC) $(GUEST_ARCH_$(2)) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
GUEST_ELFS += $(BUILD)/guests/$(1)-$(2).elf
endef

$(foreach m,$(GUEST_MODES),$(eval $(call guest_lib_rule,$(m))))
$(foreach g,$(GUEST_NAMES),$(foreach m,$(call guest_modes,$(g)),$(eval $(call guest_rule,$(g),$(m)))))

.PHONY: guests
guests: $(GUEST_ELFS)
ALL_TARGETS += $(GUEST_ELFS)
