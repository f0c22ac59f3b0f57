UNIT_TESTS += acpi_build
UNIT_SRCS_acpi_build := hv/common/acpi_build.c tests/unit/test_acpi_build.c
