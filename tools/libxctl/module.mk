# libxctl: hypercalls from dom0 through privcmd, and Oryx's domctl (used by oxl).
LIBXCTL_SRCS := tools/libxctl/xctl.c
LIBXCTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIBXCTL_SRCS))

$(BUILD)/tools/libxctl/%.o: tools/libxctl/%.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -Iinclude -Itools/libxctl -MMD -MP -c -o $@ $<

$(BUILD)/tools/libxctl.a: $(LIBXCTL_OBJS)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/tools/libxctl.a
