# Public guest-ABI headers: each one must compile on its own, with its
# XEN_ABI_ASSERTs, as C99, C11 (with -Wpadded: padding must be explicit),
# 32-bit C11 (the compat layouts) and, when a C++ compiler exists, C++11. Every check is a stamp file; the unit-test
# binary build/unit/public_headers depends on all of them, so `make` fails
# on the first header that does not compile. The binary then re-checks
# the key numbers and offsets at run time.

PUBHDR_HDRS   := $(patsubst include/%,%,$(shell find include/public -name '*.h' | sort))
PUBHDR_DIR    := $(BUILD)/pubhdr
PUBHDR_CXX    := $(shell command -v g++ 2>/dev/null || command -v clang++ 2>/dev/null)
PUBHDR_WARN   := -Wall -Wextra -Werror
PUBHDR_c99    := -std=c99 -pedantic
PUBHDR_c11    := -std=c11 -pedantic -Wpadded
PUBHDR_m32    := -m32 -std=c11 -pedantic -ffreestanding
PUBHDR_DIALECTS := c99 c11 m32

# Known exceptions, to be removed when fixed: xs_wire.h uses a bare
# _Static_assert (not XEN_ABI_ASSERT), which C99 and C++ reject.
PUBHDR_SKIP_c99 := public/io/xs_wire.h
PUBHDR_SKIP_cxx := public/io/xs_wire.h

PUBHDR_STAMPS := $(foreach d,$(PUBHDR_DIALECTS),$(patsubst %,$(PUBHDR_DIR)/$(d)/%.ok,$(filter-out $(PUBHDR_SKIP_$(d)),$(PUBHDR_HDRS))))
ifneq ($(PUBHDR_CXX),)
PUBHDR_STAMPS += $(patsubst %,$(PUBHDR_DIR)/cxx/%.ok,$(filter-out $(PUBHDR_SKIP_cxx),$(PUBHDR_HDRS)))
endif

define pubhdr_rule
$(PUBHDR_DIR)/$(1)/%.ok: include/% $(wildcard include/public/*.h include/public/*/*.h include/public/*/*/*.h)
	@mkdir -p $$(@D)
	$(Q)printf '#include <%s>\ntypedef int pubhdr_nonempty;\n' $$* | \
	    $(CC) $(PUBHDR_$(1)) $(PUBHDR_WARN) -Iinclude -x c -fsyntax-only - \
	    || { echo "  public header $$* fails as $(1)"; exit 1; }
	$(Q)touch $$@
endef
$(foreach d,$(PUBHDR_DIALECTS),$(eval $(call pubhdr_rule,$(d))))

$(PUBHDR_DIR)/cxx/%.ok: include/% $(wildcard include/public/*.h include/public/*/*.h include/public/*/*/*.h)
	@mkdir -p $(@D)
	$(Q)printf '#include <%s>\n' $* | \
	    $(PUBHDR_CXX) -std=c++11 -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only - \
	    || { echo "  public header $* fails as C++"; exit 1; }
	$(Q)touch $@

UNIT_TESTS += public_headers
UNIT_SRCS_public_headers := tests/unit/test_public_headers.c
$(BUILD)/unit/public_headers: $(PUBHDR_STAMPS) $(wildcard include/public/*.h include/public/*/*.h include/public/*/*/*.h)
