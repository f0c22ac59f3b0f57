UNIT_TESTS += dom0_layout
UNIT_SRCS_dom0_layout := hv/lib/parse.c hv/common/acpi_build.c hv/common/dom0_layout.c \
    tests/unit/test_dom0_layout.c
