#ifndef ASM_RTC_H
#define ASM_RTC_H

#include <oryx/types.h>

void rtc_init(void);

#endif
