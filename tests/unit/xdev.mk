# libxdev's pure half: virtual disk names to Xen's device ids and back,
# default MACs (tests/unit/test_xdev.c).
UNIT_TESTS += xdev
UNIT_SRCS_xdev := tools/libxdev/xdev_vdev.c tests/unit/test_xdev.c
UNIT_CFLAGS_xdev := -D_GNU_SOURCE -Itools/libxdev
