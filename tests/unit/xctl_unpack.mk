# The toolstack's kernel unpacking with Debian's liblzma, zlib and libzstd
# (tests/unit/test_xctl_unpack.c); needs cache/vmlinuz's setup header.
UNIT_TESTS += xctl_unpack
UNIT_SRCS_xctl_unpack = $(LIBXCTL_SRCS) $(LIBXCTL_HV_SRCS) tests/unit/test_xctl_unpack.c
UNIT_CFLAGS_xctl_unpack := -Itools/libxctl
UNIT_LIBS_xctl_unpack := -llzma -lz -lzstd
