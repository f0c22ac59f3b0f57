# Instruction emulator (forced-emulation prefix) over a fake guest: EAs,
# segmentation, paging faults, ALU flags against the host CPU, software
# interrupts, FPU checks, random bytes.
UNIT_TESTS += x86_emulate
UNIT_SRCS_x86_emulate := hv/arch/x86/x86_emulate.c hv/arch/x86/insn.c tests/unit/test_x86_emulate.c
$(BUILD)/unit/x86_emulate: hv/include/asm/x86_emulate.h hv/include/asm/insn.h
