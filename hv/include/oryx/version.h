/* The Xen interface version Oryx presents to guests (CPUID, xen_version). */
#ifndef ORYX_VERSION_H
#define ORYX_VERSION_H

#define ORYX_XEN_MAJOR 4
#define ORYX_XEN_MINOR 17

#endif
