/* The upcall vector's entry: the same as guests/evtchn's (it calls this
 * guest's upcall_handler()). */
#include "../evtchn/upcall.S"
