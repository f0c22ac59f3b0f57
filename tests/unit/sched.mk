# The scheduler (hv/common/sched.c): a discrete-event simulation of one
# CPU on a simulated clock. test_sched.c #includes sched.c (to reach its
# static functions), so sched.c is not listed here itself.
UNIT_TESTS += sched
UNIT_SRCS_sched := tests/unit/test_sched.c
$(BUILD)/unit/sched: hv/common/sched.c
