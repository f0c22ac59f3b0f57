# oxl: the toolstack CLI. The store verbs need libxs (tools/libxs); they
# are built in only when its module is in the tree.

OXL_WITH_STORE := $(if $(wildcard tools/libxs/module.mk),1,)
OXL_SRCS := tools/oxl/oxl.c tools/oxl/oxl_cmdtable.c tools/oxl/oxl_config.c \
    tools/oxl/oxl_domain.c tools/oxl/oxl_create.c tools/oxl/oxl_xsdomain.c \
    tools/oxl/oxl_lifecycle.c tools/oxl/oxl_rename.c tools/oxl/oxl_dumpcore.c \
    tools/oxl/oxl_device.c \
    $(if $(OXL_WITH_STORE),tools/oxl/oxl_store.c,)
# The control verbs: pause, vcpu-list, info, dmesg, uptime, top, list -l/-v.
OXL_SRCS += tools/oxl/oxl_ctl.c tools/oxl/oxl_fmt.c tools/oxl/oxl_json.c tools/oxl/oxl_list.c \
    tools/oxl/oxl_pause.c tools/oxl/oxl_vcpu.c tools/oxl/oxl_info.c tools/oxl/oxl_top.c
# Objects live beside, not under, build/tools/oxl: that name is the binary.
OXL_OBJS := $(patsubst tools/oxl/%.c,$(BUILD)/tools/oxl.obj/%.o,$(OXL_SRCS))
OXL_LIBS := $(BUILD)/tools/libxdev.a $(BUILD)/tools/libxlcfg.a $(BUILD)/tools/libxctl.a \
    $(if $(OXL_WITH_STORE),$(BUILD)/tools/libxs.a,)
OXL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP \
    -Iinclude -Itools/libxlcfg -Itools/libxs -Itools/libxctl -Itools/libxdev \
    $(if $(OXL_WITH_STORE),-DOXL_WITH_STORE,)

# list -l writes its JSON with Debian's jansson (libjansson-dev).
OXL_LDLIBS := -ljansson

ALL_TARGETS += $(BUILD)/tools/oxl

$(BUILD)/tools/oxl.obj/%.o: tools/oxl/%.c
	@mkdir -p $(@D)
	$(Q)echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(OXL_CFLAGS) -c -o $@ $<

# The store flag changes what oxl_cmdtable.c compiles to.
$(BUILD)/tools/oxl.obj/oxl_cmdtable.o: $(if $(OXL_WITH_STORE),tools/libxs/module.mk,)

$(BUILD)/tools/oxl: $(OXL_OBJS) $(OXL_LIBS)
	@mkdir -p $(@D)
	$(Q)echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) -o $@ $(OXL_OBJS) $(OXL_LIBS) $(LIBXCTL_LDLIBS) $(OXL_LDLIBS)

# Static builds for dom0's images (`make run`): dom0's initramfs has no C
# library of its own.
$(BUILD)/static/oxl: $(OXL_OBJS) $(OXL_LIBS)
	@mkdir -p $(@D)
	$(Q)echo "  HOSTLD  $@ (static)"
	$(Q)$(HOSTCC) -static -o $@ $(OXL_OBJS) $(OXL_LIBS) $(LIBXCTL_LDLIBS) $(OXL_LDLIBS)

ALL_TARGETS += $(BUILD)/static/oxl
