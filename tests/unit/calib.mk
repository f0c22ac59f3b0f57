# Clock-calibration estimator (hv/common/calib.c): medians, rejection of
# disturbed and aliased samples, 128-bit products.
UNIT_TESTS += calib
UNIT_SRCS_calib := hv/common/calib.c tests/unit/test_calib.c
