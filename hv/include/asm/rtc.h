#ifndef ASM_RTC_H
#define ASM_RTC_H

#include <oryx/types.h>

extern uint64_t wallclock_at_boot;
void rtc_init(void);

#endif
