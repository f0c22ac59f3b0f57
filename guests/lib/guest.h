/* Everything a micro-guest test includes. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <public/xen.h>
#include <public/version.h>
#include <public/sched.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <public/event_channel.h>
#include <public/arch-x86/cpuid.h>
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#include "runtime.h"
#include "string.h"
#include "traps.h"
#include "xenif.h"

/* Linux/Xen errno values the tests compare against. */
#define EPERM   1
#define ENOENT  2
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENOSYS  38
#define ETIME   62

#endif
