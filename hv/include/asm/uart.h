#ifndef ASM_UART_H
#define ASM_UART_H

#include <oryx/types.h>

void uart_init(uint16_t port, uint32_t baud);   /* port 0: no UART */
void uart_putc(char c);
int uart_getc(void);                            /* -1 when nothing pending */
uint16_t uart_io_port(void);                    /* its I/O base, 0: none */

#endif
