# Host unit tests. A fragment tests/unit/<name>.mk registers a test with
#   UNIT_TESTS += name
#   UNIT_SRCS_name := hv/lib/foo.c tests/unit/test_foo.c
# It is built for the host with ASan and UBSan, linked with the shim that
# stands in for the hypervisor's console.

UNIT_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Wno-missing-prototypes \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined \
    -fno-omit-frame-pointer -DORYX_HOST_TEST \
    -Ihv/include -Iinclude -Itests/unit

UNIT_BINS = $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
ALL_TARGETS += $(UNIT_BINS)

define unit_rule
$(BUILD)/unit/$(1): $$(UNIT_SRCS_$(1)) tests/unit/shim/shim.c tests/unit/unit.h
	@mkdir -p $$(@D)
	$(Q)echo "  HOSTCC  $$@"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $$(UNIT_CFLAGS_$(1)) -o $$@ $$(UNIT_SRCS_$(1)) tests/unit/shim/shim.c $$(UNIT_LIBS_$(1))
endef

# The rules are instantiated by the top-level Makefile once every
# fragment has registered its tests.
