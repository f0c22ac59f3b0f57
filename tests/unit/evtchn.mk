# Event channels (2-level ABI) and the console back end: host tests with
# the domain, scheduler, timer and page-allocator hooks stubbed.
UNIT_TESTS += evtchn
UNIT_SRCS_evtchn := hv/common/event_channel.c tests/unit/test_evtchn.c
UNIT_LIBS_evtchn := -lpthread
UNIT_TESTS += vconsole
UNIT_SRCS_vconsole := hv/common/vconsole.c hv/common/event_channel.c tests/unit/test_vconsole.c
