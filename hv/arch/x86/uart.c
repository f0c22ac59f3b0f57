/* 16550 UART driver: polled output, polled input from the console loop. */
#include <oryx/lib.h>
#include <asm/io.h>
#include <asm/uart.h>

#define UART_THR 0   /* transmit holding (DLAB=0) */
#define UART_RBR 0   /* receive buffer (DLAB=0) */
#define UART_DLL 0   /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20

static uint16_t uart_port;

uint16_t uart_io_port(void)
{
    return uart_port;
}

void uart_init(uint16_t port, uint32_t baud)
{
    uint32_t div = baud ? 115200 / baud : 1;

    if (!div)
        div = 1;
    uart_port = port;
    if (!port)
        return;
    outb(port + UART_IER, 0x00);
    outb(port + UART_LCR, 0x80);
    outb(port + UART_DLL, div & 0xff);
    outb(port + UART_DLM, (div >> 8) & 0xff);
    outb(port + UART_LCR, 0x03);           /* 8n1 */
    outb(port + UART_FCR, 0xC7);           /* FIFOs on, cleared, RX trigger at 14 bytes */
    outb(port + UART_MCR, 0x03);           /* DTR, RTS */
}

void uart_putc(char c)
{
    unsigned int spins = 100000;

    if (!uart_port)
        return;
    while (!(inb(uart_port + UART_LSR) & UART_LSR_THRE) && --spins)
        ;
    outb(uart_port + UART_THR, (uint8_t)c);
}

int uart_getc(void)
{
    if (!uart_port || !(inb(uart_port + UART_LSR) & UART_LSR_DR))
        return -1;
    return inb(uart_port + UART_RBR);
}
