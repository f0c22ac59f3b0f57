# libxs: client library for oryxd's store protocol (used by oxl).
LIBXS_SRCS := tools/libxs/xs_client.c
LIBXS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIBXS_SRCS))

$(BUILD)/tools/libxs/%.o: tools/libxs/%.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -Iinclude -Itools/libxs -MMD -MP -c -o $@ $<

$(BUILD)/tools/libxs.a: $(LIBXS_OBJS)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/tools/libxs.a
