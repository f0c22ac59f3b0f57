# x86 instruction length decoder: hand-written encodings, a table generated
# from GNU as (tests/unit/gen_insn_table.py -> tests/unit/insn_gas_table.h),
# and a random-bytes property test.
UNIT_TESTS += insn
UNIT_SRCS_insn := hv/arch/x86/insn.c tests/unit/test_insn.c
$(BUILD)/unit/insn: tests/unit/insn_gas_table.h hv/include/asm/insn.h

# Regenerate the committed table from the host assembler (needs python3 and
# binutils); tests/unit/insn_objdump_fuzz.py is a further, manual check.
.PHONY: insn-gas-table
insn-gas-table:
	tests/unit/gen_insn_table.py > tests/unit/insn_gas_table.h
