/*
 * HVM parameters: per-domain values read and written with
 * HVMOP_get_param / HVMOP_set_param (hvm_op.h). Unset parameters read 0.
 */
#ifndef ORYX_PUBLIC_HVM_PARAMS_H
#define ORYX_PUBLIC_HVM_PARAMS_H

/*
 * Set by the guest: how event-channel upcalls are delivered. The type is
 * in bits 63:56, the rest depends on it.
 *   GSI:      bits 31:0 = GSI number
 *   PCI_INTX: bits 15:8 = device, 1:0 = INTx pin
 *   VECTOR:   bits 7:0 = vector injected on every vCPU with
 *             vcpu_info.evtchn_upcall_pending set (no LAPIC, no EOI)
 */
#define HVM_PARAM_CALLBACK_IRQ          0
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT 56
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK  (0xffULL << 56)
#define HVM_PARAM_CALLBACK_TYPE_GSI       0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX  1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR    2
#define HVM_PARAM_CALLBACK_TYPE_PPI       3   /* ARM */

/* Xenstore ring: guest frame and event-channel port (set by the tools). */
#define HVM_PARAM_STORE_PFN             1
#define HVM_PARAM_STORE_EVTCHN          2
#define HVM_PARAM_PAE_ENABLED           4
#define HVM_PARAM_IOREQ_PFN             5
#define HVM_PARAM_BUFIOREQ_PFN          6
#define HVM_PARAM_VIRIDIAN              9
#define HVM_PARAM_TIMER_MODE            10
#define HVM_PARAM_HPET_ENABLED          11
#define HVM_PARAM_IDENT_PT              12
#define HVM_PARAM_ACPI_S_STATE          14
#define HVM_PARAM_VM86_TSS              15
#define HVM_PARAM_VPT_ALIGN             16
/* PV console ring: guest frame and port (set by the tools). */
#define HVM_PARAM_CONSOLE_PFN           17
#define HVM_PARAM_CONSOLE_EVTCHN        18
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_NESTEDHVM             24
#define HVM_PARAM_BUFIOREQ_EVTCHN       26
#define HVM_PARAM_PAGING_RING_PFN       27
#define HVM_PARAM_MONITOR_RING_PFN      28
#define HVM_PARAM_SHARING_RING_PFN      29
#define HVM_PARAM_TRIPLE_FAULT_REASON   31
#define HVM_PARAM_IOREQ_SERVER_PFN      32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34
#define HVM_PARAM_ALTP2M                35
#define HVM_PARAM_X87_FIP_WIDTH         36
#define HVM_PARAM_VM86_TSS_SIZED        37
#define HVM_PARAM_MCA_CAP               38

/* Parameters are indexed 0 .. HVM_NR_PARAMS-1; others give -EINVAL. */
#define HVM_NR_PARAMS                   39

#endif
