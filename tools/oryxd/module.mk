# oryxd: the toolstack daemon (xenstore-protocol store for now).
# The protocol core (ORYXD_CORE) is transport-free and is shared with the
# unit tests and the fuzzers (tests/fuzz); ORYXD_HOST adds the event loop
# and the transports (socket, ring, dom0's local ring), oryxd.c main.

ORYXD_CORE := tools/oryxd/xs_path.c tools/oryxd/xs_tree.c tools/oryxd/xs_db.c \
    tools/oryxd/xs_store.c tools/oryxd/xs_txn.c tools/oryxd/xs_watch.c \
    tools/oryxd/xs_proto.c tools/oryxd/xs_conn.c tools/oryxd/xs_peer.c
ORYXD_HOST := tools/oryxd/xs_loop.c tools/oryxd/xs_unix.c \
    tools/oryxd/xs_ring.c tools/oryxd/xs_evtchn.c tools/oryxd/xs_dom0.c \
    tools/oryxd/xs_gntdev.c tools/oryxd/xs_guest.c tools/oryxd/console.c \
    tools/oryxd/domains.c
ORYXD_SRCS := $(ORYXD_CORE) $(ORYXD_HOST) tools/oryxd/oryxd.c
ORYXD_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ORYXD_SRCS))
ORYXD_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -Itools/oryxd -Itools/libxctl -Itools/libxdev \
    -MMD -MP

$(BUILD)/tools/oryxd/%.o: tools/oryxd/%.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(CC) $(ORYXD_CFLAGS) -c -o $@ $<

# libxctl's hypercall half only (domains.c asks how domains stand), and
# libxdev's loop devices (a gone domain's disks).
$(BUILD)/tools/oryxd/oryxd: $(ORYXD_OBJS) $(BUILD)/tools/libxctl.a $(BUILD)/tools/libxdev.a
	$(Q)echo "  LD      $@"
	$(Q)$(CC) -o $@ $(ORYXD_OBJS) $(BUILD)/tools/libxctl.a $(BUILD)/tools/libxdev.a -llmdb

ALL_TARGETS += $(BUILD)/tools/oryxd/oryxd

# Static build for dom0's images (`make run`).
$(BUILD)/static/oryxd: $(ORYXD_OBJS) $(BUILD)/tools/libxctl.a $(BUILD)/tools/libxdev.a
	@mkdir -p $(@D)
	$(Q)echo "  LD      $@ (static)"
	$(Q)$(CC) -static -o $@ $(ORYXD_OBJS) $(BUILD)/tools/libxctl.a $(BUILD)/tools/libxdev.a \
	    -llmdb -lpthread

ALL_TARGETS += $(BUILD)/static/oryxd
