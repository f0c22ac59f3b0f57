/*
 * The second vCPU's start-up code (ap.S), copied to AP_PAGE below 1 MiB
 * for the SIPI, and the words it shares with vCPU 0 at AP_DATA.
 */
#ifndef XAPIC_AP_H
#define XAPIC_AP_H

#define AP_PAGE     0x7000
#define AP_DATA     (AP_PAGE + 0xF00)
#define AP_STATE    (AP_DATA + 0x0)     /* 1: ID read; 2: IRR read */
#define AP_ID       (AP_DATA + 0x4)     /* its xAPIC ID register */
#define AP_GO       (AP_DATA + 0x8)     /* set by vCPU 0 once its IPIs are sent */
#define AP_IRR3     (AP_DATA + 0xC)     /* its IRR for vectors 0x60-0x7F */
#define AP_LDR      0x12000000          /* cluster 1, member bit 1 */

#ifndef __ASSEMBLY__
extern const char ap_start[], ap_end[];
#endif

#endif
