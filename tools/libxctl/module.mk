# libxctl: hypercalls from dom0 through privcmd, Oryx's domctl, and the
# user-space domain builder (used by oxl). The builder links the
# hypervisor's own, pure ELF loader, PVH layout and bzImage parser,
# compiled for user space (as the unit tests do); decompression is
# liblzma's, zlib's and libzstd's.
LIBXCTL_SRCS := tools/libxctl/xctl.c tools/libxctl/xctl_build.c \
    tools/libxctl/xctl_sched.c tools/libxctl/xctl_sysctl.c \
    tools/libxctl/xctl_dumpcore.c tools/libxctl/xctl_err.c
LIBXCTL_HV_SRCS := hv/common/elf_load.c hv/common/pvh_build.c hv/common/bzimage.c hv/lib/xz.c
LIBXCTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIBXCTL_SRCS)) \
    $(patsubst %.c,$(BUILD)/tools/libxctl/hv/%.o,$(LIBXCTL_HV_SRCS))
LIBXCTL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -DORYX_HOST_TEST -Iinclude -Ihv/include \
    -Itools/libxctl -MMD -MP
# What a program linking libxctl.a needs besides.
LIBXCTL_LDLIBS := -llzma -lz -lzstd

$(BUILD)/tools/libxctl/%.o: tools/libxctl/%.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(CC) $(LIBXCTL_CFLAGS) -c -o $@ $<

$(BUILD)/tools/libxctl/hv/%.o: %.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(CC) $(LIBXCTL_CFLAGS) -c -o $@ $<

$(BUILD)/tools/libxctl.a: $(LIBXCTL_OBJS)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/tools/libxctl.a
